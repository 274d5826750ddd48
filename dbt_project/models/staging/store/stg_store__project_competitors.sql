with

source as (

    select * from {{ source('store', 'project_competitors') }}

),

renamed as (

    select
        id as project_competitor_id,
        project_id,
        competitor_id,
        threat_level,
        is_primary,
        quoted_amount,
        notes,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
