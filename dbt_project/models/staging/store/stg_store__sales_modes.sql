with

source as (

    select * from {{ source('store', 'sales_modes') }}

),

renamed as (

    select
        id as sales_mode_id,
        code as sales_mode_code,
        name_zh as sales_mode_name_zh,
        name_en as sales_mode_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
