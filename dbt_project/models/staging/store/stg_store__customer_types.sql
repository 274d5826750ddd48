with

source as (

    select * from {{ source('store', 'customer_types') }}

),

renamed as (

    select
        id as customer_type_id,
        code as customer_type_code,
        name_zh as customer_type_name_zh,
        name_en as customer_type_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
