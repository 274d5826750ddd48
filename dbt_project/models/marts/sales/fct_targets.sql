-- One row per target: a rep's or a department's month, with what was won against it.
-- attainment = won ÷ target; pipeline_coverage = open weighted amount forecast into the
-- month ÷ the target still to win (null once the target is met).
-- A department's figures include its sub-departments.
with

targets as (

    select * from {{ ref('stg_store__targets') }}

),

departments as (

    select * from {{ ref('stg_store__departments') }}

),

subtrees as (

    -- every department code under each department (itself included)
    select
        flattened.ancestor_department_id,
        project_departments.department_code
    from {{ ref('int_departments_flattened') }} as flattened
    inner join departments as project_departments
        on flattened.department_id = project_departments.department_id

),

contracts as (

    select
        contracts.owner_id,
        projects.department_code,
        cast({{ dbt.date_trunc('month', 'contracts.signed_date') }} as date) as period_month,
        contracts.amount
    from {{ ref('stg_store__contracts') }} as contracts
    inner join {{ ref('int_projects_enriched') }} as projects
        on contracts.project_id = projects.project_id
    where projects.status = 'won'

),

forecast as (

    select * from {{ ref('fct_forecast') }}

),

rep_targets as (

    select
        targets.target_id,
        targets.period_month,
        'employee' as target_level,
        targets.user_id as employee_id,
        employees.department_code,
        targets.amount as target_amount,
        (
            select coalesce(sum(contracts.amount), 0)
            from contracts
            where
                contracts.owner_id = targets.user_id
                and contracts.period_month = targets.period_month
        ) as won_amount,
        (
            select coalesce(sum(forecast.weighted_amount), 0)
            from forecast
            where
                forecast.owner_id = targets.user_id
                and forecast.forecast_month = targets.period_month
        ) as open_weighted_amount
    from targets
    -- a rep's department as dim_employees joins it
    inner join {{ ref('dim_employees') }} as employees
        on targets.user_id = employees.employee_id

),

department_targets as (

    select
        targets.target_id,
        targets.period_month,
        'department' as target_level,
        cast(null as bigint) as employee_id,
        departments.department_code,
        targets.amount as target_amount,
        (
            select coalesce(sum(contracts.amount), 0)
            from contracts
            inner join subtrees
                on contracts.department_code = subtrees.department_code
            where
                subtrees.ancestor_department_id = targets.department_id
                and contracts.period_month = targets.period_month
        ) as won_amount,
        (
            select coalesce(sum(forecast.weighted_amount), 0)
            from forecast
            inner join subtrees
                on forecast.department_code = subtrees.department_code
            where
                subtrees.ancestor_department_id = targets.department_id
                and forecast.forecast_month = targets.period_month
        ) as open_weighted_amount
    from targets
    inner join departments
        on targets.department_id = departments.department_id

),

unioned as (

    select * from rep_targets
    union all
    select * from department_targets

),

final as (

    select
        target_id,
        period_month,
        target_level,
        employee_id,
        department_code,
        cast(target_amount as decimal(18, 2)) as target_amount,
        cast(won_amount as decimal(18, 2)) as won_amount,
        cast(
            case when target_amount > 0 then {{ ratio_half_up('won_amount', 'target_amount') }} end
            as decimal(10, 4)
        ) as attainment,
        cast(greatest(target_amount - won_amount, 0) as decimal(18, 2)) as remaining_target,
        cast(open_weighted_amount as decimal(18, 2)) as open_weighted_amount,
        cast(
            case
                when target_amount > won_amount
                    then {{ ratio_half_up('open_weighted_amount', '(target_amount - won_amount)') }}
            end as decimal(18, 4)  -- a target nearly met leaves a remainder of cents
        ) as pipeline_coverage
    from unioned

)

select * from final
