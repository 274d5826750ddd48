with

source as (

    select * from {{ source('store', 'activities') }}

),

renamed as (

    select
        id as activity_id,
        activity_type,
        subject,
        owner_id,
        customer_id,
        project_id,
        contact_id,
        planned_at,
        done_at,
        status,
        notes,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
