with

source as (

    select * from {{ source('store', 'stages') }}

),

renamed as (

    select
        id as stage_id,
        sales_mode_id,
        code as stage_code,
        name_zh as stage_name_zh,
        name_en as stage_name_en,
        stage_order,
        default_probability,
        forecast_category,
        is_won_stage,
        is_active,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
