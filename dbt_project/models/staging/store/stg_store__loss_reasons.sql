with

source as (

    select * from {{ source('store', 'loss_reasons') }}

),

renamed as (

    select
        id as loss_reason_id,
        category,
        code as loss_reason_code,
        name_zh as loss_reason_name_zh,
        name_en as loss_reason_name_en,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
