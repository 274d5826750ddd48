-- Loss reasons (失败原因) with their category.
with

loss_reasons as (

    select * from {{ ref('stg_store__loss_reasons') }}

),

final as (

    select
        loss_reason_code,
        loss_reason_name_zh as loss_reason_name,
        loss_reason_name_en,
        category as loss_reason_category,
        is_active
    from loss_reasons

)

select * from final
