-- One row per open project in the month it is forecast to close. Overdue projects (close
-- date already passed) are forecast into the as-of month: they can still sign, but not in
-- the past. calibrated_probability falls back to the stage default when the mode has no
-- closed history through that stage.
with

projects as (

    select * from {{ ref('int_projects_enriched') }}
    where status = 'open'

),

win_rates as (

    select * from {{ ref('int_stage_win_rates') }}

),

final as (

    select
        projects.project_id,
        cast(
            greatest(
                {{ dbt.date_trunc('month', 'projects.expected_close_date') }},
                {{ dbt.date_trunc('month', as_of_date()) }}
            ) as date
        ) as forecast_month,
        projects.expected_amount as amount,
        cast(projects.stage_probability as decimal(5, 4)) as probability,
        cast(
            coalesce(win_rates.calibrated_probability, projects.stage_probability)
            as decimal(5, 4)
        ) as calibrated_probability,
        cast(projects.expected_amount * projects.stage_probability as decimal(18, 2))
            as weighted_amount,
        cast(
            projects.expected_amount
            * coalesce(win_rates.calibrated_probability, projects.stage_probability)
            as decimal(18, 2)
        ) as calibrated_weighted_amount,
        projects.forecast_category,
        projects.expected_close_date,
        projects.current_stage_code as stage_code,
        projects.sales_mode_code,
        projects.owner_id,
        projects.department_code,
        projects.region_code,
        projects.industry_code,
        projects.customer_type
    from projects
    left join win_rates
        on
            projects.sales_mode_code = win_rates.sales_mode_code
            and projects.current_stage_code = win_rates.stage_code

)

select * from final
