with

source as (

    select * from {{ source('store', 'products') }}

),

renamed as (

    select
        id as product_id,
        code as product_code,
        name_zh as product_name_zh,
        name_en as product_name_en,
        category,
        list_price,
        is_active,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
