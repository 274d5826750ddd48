{{
    config(
        materialized='incremental',
        unique_key='snapshot_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
-- One row per project and day on which the project was open at the end of the day.
-- Incremental by day: a run rebuilds from the last built day, or from the earliest day
-- touched by history rows that arrived since (back-dated imports), up to the as-of date.
with

states as (

    select * from {{ ref('int_project_states_daily') }}

),

loaded as (

    select max(change_seq) as loaded_change_seq
    from states

),

stages as (

    select
        stage_id,
        default_probability
    from {{ ref('stg_store__stages') }}

),

days as (

    select date_day
    from {{ ref('dim_date') }}
    where date_day <= {{ as_of_date() }}
    {% if is_incremental() %}
        and date_day >= (
            select
                least(
                    max(snapshot_date),
                    coalesce(
                        (
                            select min(changed.valid_from_date)
                            from states as changed
                            where
                                changed.change_seq
                                > (select max(built.loaded_change_seq) from {{ this }} as built)
                        ),
                        max(snapshot_date)
                    )
                )
            from {{ this }}
        )
    {% endif %}

),

final as (

    select
        days.date_day as snapshot_date,
        states.project_id,
        states.stage_code,
        cast(states.amount as decimal(18, 2)) as amount,
        cast(states.amount * stages.default_probability as decimal(18, 2)) as weighted_amount,
        states.expected_close_date,
        loaded.loaded_change_seq
    from states
    inner join days
        on
            states.valid_from_date <= days.date_day
            and (states.valid_to_date is null or states.valid_to_date > days.date_day)
    inner join stages
        on states.stage_id = stages.stage_id
    cross join loaded
    where states.status = 'open'

)

select * from final
