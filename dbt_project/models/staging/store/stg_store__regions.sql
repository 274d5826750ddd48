with

source as (

    select * from {{ source('store', 'regions') }}

),

renamed as (

    select
        id as region_id,
        code as region_code,
        name_zh as region_name_zh,
        name_en as region_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
