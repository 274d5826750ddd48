with

source as (

    select * from {{ source('store', 'industries') }}

),

renamed as (

    select
        id as industry_id,
        code as industry_code,
        name_zh as industry_name_zh,
        name_en as industry_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
