-- One row per sales project with its outcome, probability and costs.
-- probability: the stage's default for open projects, 1 for won, 0 for lost;
-- weighted_amount: open amount × probability (0 once closed: it is pipeline, not revenue).
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
        customer_type,
        sales_mode_code,
        current_stage_code,
        forecast_category,
        status,
        expected_amount,
        cast(case when status = 'won' then won_amount end as decimal(18, 2)) as won_amount,
        created_at,
        created_date,
        expected_close_date,
        closed_date,
        case
            when status in ('won', 'lost')
                then {{ dbt.datediff('created_date', 'closed_date', 'day') }}
        end as sales_cycle_days,
        loss_reason_code,
        primary_competitor_id,
        cast(
            case status when 'open' then stage_probability when 'won' then 1 else 0 end
            as decimal(5, 4)
        ) as probability,
        cast(
            case when status = 'open' then expected_amount * stage_probability else 0 end
            as decimal(18, 2)
        ) as weighted_amount,
        expense_amount,
        budget_amount,
        expected_close_date < {{ as_of_date() }} and status = 'open' as is_overdue
    from projects

)

select * from final
