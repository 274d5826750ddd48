-- Stages of every sales mode, in order, with default probability and forecast category.
with

stages as (

    select * from {{ ref('stg_store__stages') }}

),

sales_modes as (

    select * from {{ ref('stg_store__sales_modes') }}

),

final as (

    select
        stages.stage_id,
        sales_modes.sales_mode_code,
        sales_modes.sales_mode_name_zh,
        sales_modes.sales_mode_name_en,
        stages.stage_code,
        stages.stage_name_zh,
        stages.stage_name_en,
        stages.stage_order,
        stages.default_probability,
        stages.forecast_category,
        stages.is_won_stage,
        stages.is_active
    from stages
    inner join sales_modes
        on stages.sales_mode_id = sales_modes.sales_mode_id

)

select * from final
