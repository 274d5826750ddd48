-- Stage velocity per sales mode and stage: how many projects reached the stage, how many
-- went on to a later stage (conversion), how long finished visits lasted, and the
-- calibrated win probability of the stage.
with

visits as (

    select * from {{ ref('fct_stage_transitions') }}

),

win_rates as (

    select * from {{ ref('int_stage_win_rates') }}

),

durations as (

    select
        sales_mode_code,
        stage_code,
        count(*) as finished_visit_count,
        sum(days_in_stage) as total_days_in_stage,
        avg(days_in_stage) as avg_days_in_stage,
        median(days_in_stage) as median_days_in_stage,
        count(case when exit_type = 'slipped_back' then 1 end) as slipped_back_count
    from visits
    where not is_current and not is_won_stage
    group by sales_mode_code, stage_code

),

conversion as (

    -- a project counts once per stage it reached: on its first visit to it
    select
        sales_mode_code,
        stage_code,
        count(*) as reached_count,
        count(case when reached_later_stage then 1 end) as converted_count
    from visits
    where prior_visit_entered_at is null
    group by sales_mode_code, stage_code

),

final as (

    select
        win_rates.sales_mode_code,
        win_rates.stage_code,
        win_rates.stage_order,
        coalesce(conversion.reached_count, 0) as reached_count,
        coalesce(conversion.converted_count, 0) as converted_count,
        cast(
            case
                when conversion.reached_count > 0
                    then conversion.converted_count * 1.0 / conversion.reached_count
            end as decimal(5, 4)
        ) as conversion_rate,
        coalesce(durations.finished_visit_count, 0) as finished_visit_count,
        cast(coalesce(durations.total_days_in_stage, 0) as bigint) as total_days_in_stage,
        cast(durations.avg_days_in_stage as decimal(10, 2)) as avg_days_in_stage,
        cast(durations.median_days_in_stage as decimal(10, 2)) as median_days_in_stage,
        coalesce(durations.slipped_back_count, 0) as slipped_back_count,
        win_rates.default_probability,
        win_rates.calibrated_probability,
        win_rates.closed_count
    from win_rates
    left join conversion
        on {{ keys_match('win_rates', 'conversion', ['sales_mode_code', 'stage_code']) }}
    left join durations
        on {{ keys_match('win_rates', 'durations', ['sales_mode_code', 'stage_code']) }}

)

select * from final
