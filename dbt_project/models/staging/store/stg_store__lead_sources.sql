with

source as (

    select * from {{ source('store', 'lead_sources') }}

),

renamed as (

    select
        id as lead_source_id,
        code as lead_source_code,
        name_zh as lead_source_name_zh,
        name_en as lead_source_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
