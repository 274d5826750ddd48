-- One row per closed project: won or lost, when, why, against whom, and from which stage.
-- amount: the contract amount when won, the expected amount when lost.
-- has_decision_maker: a decision maker is mapped on its decision tree as now recorded.
with

projects as (

    select * from {{ ref('int_projects_enriched') }}

),

visits as (

    select * from {{ ref('int_stage_visits_derived') }}

),

last_open_stage as (

    -- the last stage the project was in before it closed (the won stage is not one)
    select
        project_id,
        stage_code as last_stage_code
    from visits
    where not is_won_stage
    qualify row_number() over (partition by project_id order by visit_number desc) = 1

),

final as (

    select
        projects.project_id,
        projects.status as outcome,
        projects.closed_date,
        projects.loss_reason_code,
        projects.loss_reason_category,
        projects.primary_competitor_id as competitor_id,
        cast(
            case when projects.status = 'won' then projects.won_amount else projects.expected_amount end
            as decimal(18, 2)
        ) as amount,
        {{ days_between('projects.created_date', 'projects.closed_date') }}
            as sales_cycle_days,
        last_open_stage.last_stage_code,
        projects.owner_id,
        projects.department_code,
        projects.region_code,
        projects.industry_code,
        projects.customer_type,
        projects.sales_mode_code,
        projects.customer_id,
        projects.expense_amount,
        projects.decision_maker_count > 0 as has_decision_maker
    from projects
    left join last_open_stage
        on projects.project_id = last_open_stage.project_id
    where projects.status in ('won', 'lost')

)

select * from final
