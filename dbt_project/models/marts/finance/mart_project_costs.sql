-- 项目费用报表: one row per project, budget against spent against contract.
with

projects as (

    select * from {{ ref('int_projects_enriched') }}

),

final as (

    select
        project_id,
        project_name,
        customer_id,
        owner_id,
        department_code,
        region_code,
        industry_code,
        sales_mode_code,
        status,
        budget_amount,
        expense_amount,
        cast(coalesce(won_amount, 0) as decimal(18, 2)) as contract_amount,
        coalesce(expense_amount > budget_amount, false) as is_over_budget,
        cast(
            case
                when won_amount > 0
                    then {{ ratio_half_up('expense_amount', 'won_amount') }}
            end as decimal(10, 4)
        ) as cost_to_revenue_ratio,
        created_date,
        closed_date
    from projects

)

select * from final
