-- A table, not a view: several models read it, and it is costly to derive.
{{ config(materialized='table') }}

-- Projects with the codes of everything they point to, their won contract, expenses,
-- primary competitor and decision makers mapped: the base of the opportunity, win/loss and forecast facts.
-- Lookups it only joins to are referenced in the joins (stages, a keyword, stays a CTE).
with

projects as (

    select * from {{ ref('stg_store__projects') }}

),

stages as (

    select * from {{ ref('stg_store__stages') }}

),

customers as (

    select
        customers.customer_id,
        customer_types.customer_type_code as customer_type,
        regions.region_code
    from {{ ref('stg_store__customers') }} as customers
    {{ join_customer_codes('customers') }}

),

project_expenses as (

    select
        project_id,
        sum(amount) as expense_amount
    from {{ ref('stg_store__expenses') }}
    where project_id is not null
    group by project_id

),

primary_competitors as (

    -- the competitor marked primary, else the most threatening one
    select
        project_id,
        competitor_id
    from {{ ref('stg_store__project_competitors') }}
    qualify row_number() over (
        partition by project_id
        order by
            is_primary desc,
            case threat_level when 'high' then 3 when 'medium' then 2 else 1 end desc,
            project_competitor_id
    ) = 1

),

first_changes as (

    -- a project's life starts at its 'created' history row (imports may backdate it)
    select
        project_id,
        min(changed_at) as first_changed_at
    from {{ ref('stg_store__stage_changes') }}
    group by project_id

),

final as (

    select
        projects.project_id,
        projects.project_name,
        projects.customer_id,
        projects.owner_id,
        departments.department_code,
        customers.region_code,
        industries.industry_code,
        customers.customer_type,
        sales_modes.sales_mode_code,
        projects.stage_id as current_stage_id,
        stages.stage_code as current_stage_code,
        stages.stage_order as current_stage_order,
        stages.default_probability as stage_probability,
        stages.forecast_category,
        projects.status,
        cast(projects.expected_amount as decimal(18, 2)) as expected_amount,
        cast(contracts.amount as decimal(18, 2)) as won_amount,
        contracts.contract_id,
        cast(projects.budget_amount as decimal(18, 2)) as budget_amount,
        coalesce(first_changes.first_changed_at, projects.created_at) as created_at,
        cast(coalesce(first_changes.first_changed_at, projects.created_at) as date)
            as created_date,
        projects.expected_close_date,
        projects.closed_date,
        loss_reasons.loss_reason_code,
        loss_reasons.category as loss_reason_category,
        primary_competitors.competitor_id as primary_competitor_id,
        cast(coalesce(project_expenses.expense_amount, 0) as decimal(18, 2)) as expense_amount,
        coalesce(decision_trees.decision_maker_count, 0) as decision_maker_count,
        projects.change_seq
    from projects
    inner join customers
        on projects.customer_id = customers.customer_id
    inner join {{ ref('stg_store__industries') }} as industries
        on projects.industry_id = industries.industry_id
    inner join stages
        on projects.stage_id = stages.stage_id
    inner join {{ ref('stg_store__sales_modes') }} as sales_modes
        on projects.sales_mode_id = sales_modes.sales_mode_id
    left join {{ ref('stg_store__departments') }} as departments
        on projects.department_id = departments.department_id
    left join {{ ref('stg_store__loss_reasons') }} as loss_reasons
        on projects.loss_reason_id = loss_reasons.loss_reason_id
    left join {{ ref('stg_store__contracts') }} as contracts
        on
            projects.project_id = contracts.project_id
            and projects.status = 'won'
    left join project_expenses
        on projects.project_id = project_expenses.project_id
    left join primary_competitors
        on projects.project_id = primary_competitors.project_id
    left join first_changes
        on projects.project_id = first_changes.project_id
    left join {{ ref('int_decision_trees_summarised') }} as decision_trees
        on projects.project_id = decision_trees.project_id

)

select * from final
