-- The calendar: one row per day from 2015 to three years after the as-of date.
with

days as (

    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('2015-01-01' as date)",
        end_date=dbt.dateadd('year', 3, as_of_date())
    ) }}

),

final as (

    select
        cast(date_day as date) as date_day,
        cast(extract(year from date_day) as integer) as year,
        cast(extract(quarter from date_day) as integer) as quarter,
        cast(extract(month from date_day) as integer) as month,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start,
        cast(extract(month from date_day) as integer) in (3, 6, 9, 12) as is_quarter_end_month
    from days

)

select * from final
