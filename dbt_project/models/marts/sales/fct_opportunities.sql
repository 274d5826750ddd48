-- One row per sales project with its outcome, probability and costs.
-- probability: the stage's default for open projects, 1 for won, 0 for lost;
-- weighted_amount: open amount × probability (0 once closed: it is pipeline, not revenue).
-- Stored by status, then project: the dashboards ask about open projects (DuckDB skips the
-- row groups of closed ones) and look up names by project (ids stay in ranges).
with

projects as (

    select * from {{ ref('int_projects_enriched') }}

),

customer_versions as (

    select * from {{ ref('dim_customers') }}

),

current_visits as (

    select
        project_id,
        days_in_stage
    from {{ ref('fct_stage_transitions') }}
    where is_current and not is_won_stage

),

last_activities as (

    select
        project_id,
        max(activity_date) as last_activity_date
    from {{ ref('fct_activities') }}
    where is_done and activity_date <= {{ as_of_date() }} and project_id is not null
    group by project_id

),

final as (

    select
        projects.project_id,
        projects.project_name,
        projects.customer_id,
        customer_versions.customer_key,
        projects.owner_id,
        projects.department_code,
        projects.region_code,
        projects.industry_code,
        projects.customer_type,
        projects.sales_mode_code,
        projects.current_stage_id,
        projects.current_stage_code,
        projects.forecast_category,
        projects.status,
        projects.expected_amount,
        cast(case when projects.status = 'won' then projects.won_amount end as decimal(18, 2)) as won_amount,
        projects.created_at,
        projects.created_date,
        projects.expected_close_date,
        projects.closed_date,
        case
            when projects.status in ('won', 'lost')
                then {{ days_between('projects.created_date', 'projects.closed_date') }}
        end as sales_cycle_days,
        projects.loss_reason_code,
        projects.primary_competitor_id,
        cast(
            case projects.status when 'open' then projects.stage_probability when 'won' then 1 else 0 end
            as decimal(5, 4)
        ) as probability,
        cast(
            case
                when projects.status = 'open' then projects.expected_amount * projects.stage_probability
                else 0
            end
            as decimal(18, 2)
        ) as weighted_amount,
        projects.expense_amount,
        projects.budget_amount,
        projects.expected_close_date < {{ as_of_date() }} and projects.status = 'open' as is_overdue,
        case when projects.status = 'open' then current_visits.days_in_stage end as days_in_stage,
        last_activities.last_activity_date,
        projects.decision_maker_count,
        projects.decision_maker_count > 0 as has_decision_maker
    from projects
    -- the customer as it was when the project was created (type-2 join)
    left join customer_versions
        on
            projects.customer_id = customer_versions.customer_id
            and {{ in_validity_window('projects.created_at', 'customer_versions', 'valid_from', 'valid_to') }}
    left join current_visits
        on projects.project_id = current_visits.project_id
    left join last_activities
        on projects.project_id = last_activities.project_id

)

select * from final
order by status, project_id
