with

source as (

    select * from {{ source('store', 'departments') }}

),

renamed as (

    select
        id as department_id,
        parent_id,
        code as department_code,
        name_zh as department_name_zh,
        name_en as department_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
