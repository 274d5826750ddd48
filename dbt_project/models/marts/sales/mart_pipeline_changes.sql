{{
    config(
        materialized='incremental',
        unique_key=['period_grain', 'period_start', 'project_id']
    )
}}
-- What changed in the pipeline in each month and week: for every project with history in
-- the period, its state at the end of the day before the period against its state at the
-- period's end. change_type: new, won, lost, reopened, advanced, slipped_back; and
-- independently amount_change and is_close_date_pushed.
-- Incremental by period: a run recomputes the periods that hold a state change that arrived
-- since the last run (a change cannot alter the comparison of any other period).
with

states as (

    select * from {{ ref('fct_project_states') }}

),

periods as (

    select distinct
        'month' as period_grain,
        month_start as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date)
            as period_end
    from {{ ref('dim_date') }}
    where date_day <= {{ as_of_date() }}
    union all
    select distinct
        'week' as period_grain,
        week_start as period_start,
        cast({{ dbt.dateadd('day', 6, 'week_start') }} as date) as period_end
    from {{ ref('dim_date') }}
    where date_day <= {{ as_of_date() }}

),

{% if is_incremental() %}
changed_periods as (

    select distinct
        periods.period_grain,
        periods.period_start
    from states
    inner join periods
        on states.valid_from_date between periods.period_start and periods.period_end
    where states.source_change_seq > (select max(built.loaded_change_seq) from {{ this }} as built)

),
{% endif %}

loaded as (

    select max(source_change_seq) as loaded_change_seq
    from states

),

touched as (

    select distinct
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        states.project_id
    from states
    inner join periods
        on states.valid_from_date between periods.period_start and periods.period_end
    {% if is_incremental() %}
        inner join changed_periods
            on
                periods.period_grain = changed_periods.period_grain
                and periods.period_start = changed_periods.period_start
    {% endif %}

),

compared as (

    select
        touched.*,
        before_period.status as status_before,
        before_period.stage_order as stage_order_before,
        before_period.amount as amount_before,
        before_period.expected_close_date as close_date_before,
        after_period.status as status_after,
        after_period.stage_code as stage_code_after,
        after_period.stage_order as stage_order_after,
        after_period.amount as amount_after,
        after_period.weighted_amount as weighted_amount_after,
        after_period.expected_close_date as close_date_after,
        loaded.loaded_change_seq
    from touched
    left join states as before_period
        on
            touched.project_id = before_period.project_id
            and touched.period_start > before_period.valid_from_date
            and (
                before_period.valid_to_date is null
                or touched.period_start <= before_period.valid_to_date
            )
    inner join states as after_period
        on
            touched.project_id = after_period.project_id
            and {{ in_validity_window('touched.period_end', 'after_period') }}
    cross join loaded

),

final as (

    select
        period_grain,
        period_start,
        period_end,
        project_id,
        case
            when status_before is null then 'new'
            when status_before = 'open' and status_after = 'won' then 'won'
            when status_before = 'open' and status_after = 'lost' then 'lost'
            when status_before <> 'open' and status_after = 'open' then 'reopened'
            when stage_order_after > stage_order_before then 'advanced'
            when stage_order_after < stage_order_before then 'slipped_back'
            else 'unchanged_stage'
        end as change_type,
        stage_code_after as stage_code,
        cast(coalesce(amount_before, 0) as decimal(18, 2)) as amount_before,
        cast(amount_after as decimal(18, 2)) as amount_after,
        cast(amount_after - coalesce(amount_before, 0) as decimal(18, 2)) as amount_change,
        coalesce(close_date_after > close_date_before, false) as is_close_date_pushed,
        status_after,
        loaded_change_seq
    from compared

)

select * from final
