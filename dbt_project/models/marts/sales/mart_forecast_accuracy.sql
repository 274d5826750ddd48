-- Forecast accuracy: for each month up to the as-of month and each project that was either
-- forecast to close in it (open at the start of the month with its close date in the month)
-- or won in it: what the forecast said at the start of the month against what was won.
with

states as (

    select * from {{ ref('fct_project_states') }}

),

months as (

    select distinct month_start as forecast_month
    from {{ ref('dim_date') }}
    where date_day <= {{ as_of_date() }}

),

forecast_at_start as (

    -- the state at the end of the day before the month began
    select
        months.forecast_month,
        states.project_id,
        states.amount as forecast_amount,
        states.weighted_amount as forecast_weighted_amount,
        states.forecast_category
    from months
    inner join states
        on
            months.forecast_month > states.valid_from_date
            and (states.valid_to_date is null or months.forecast_month <= states.valid_to_date)
    where
        states.status = 'open'
        and cast({{ dbt.date_trunc('month', 'states.expected_close_date') }} as date)
        = months.forecast_month

),

won_in_month as (

    select
        cast({{ dbt.date_trunc('month', 'signed_date') }} as date) as forecast_month,
        project_id,
        amount as won_amount
    from {{ ref('fct_contracts') }}

),

final as (

    select
        coalesce(forecast_at_start.forecast_month, won_in_month.forecast_month)
            as forecast_month,
        coalesce(forecast_at_start.project_id, won_in_month.project_id) as project_id,
        forecast_at_start.project_id is not null as was_forecast,
        cast(coalesce(forecast_at_start.forecast_amount, 0) as decimal(18, 2))
            as forecast_amount,
        cast(coalesce(forecast_at_start.forecast_weighted_amount, 0) as decimal(18, 2))
            as forecast_weighted_amount,
        forecast_at_start.forecast_category,
        cast(coalesce(won_in_month.won_amount, 0) as decimal(18, 2)) as won_amount
    from forecast_at_start
    full outer join won_in_month
        on
            forecast_at_start.forecast_month = won_in_month.forecast_month
            and forecast_at_start.project_id = won_in_month.project_id
    where
        coalesce(forecast_at_start.forecast_month, won_in_month.forecast_month)
        <= {{ as_of_date() }}

)

select * from final
