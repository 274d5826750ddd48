with

source as (

    select * from {{ source('store', 'project_stage_history') }}

),

renamed as (

    select
        id as stage_change_id,
        project_id,
        change_type,
        from_stage_id,
        to_stage_id,
        changed_at,
        changed_by,
        amount,
        expected_close_date,
        status,
        note,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
