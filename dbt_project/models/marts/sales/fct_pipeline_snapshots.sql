-- A view, not a table: daily snapshots repeat the state intervals once per day (128M rows
-- and 1.7 GB on the large profile, four fifths of the marts), which every refresh would
-- rewrite and every publish copy. Expanded on demand from fct_project_states, the same
-- rows cost nothing until asked for. Its sources are named without their database so that
-- the view also reads in a published snapshot file, whose database has another name.
{{ config(materialized='view') }}

-- One row per project and day on which the project was open at the end of the day, from
-- its first day up to the as-of date.
with

states as (

    select * from {{ ref('fct_project_states').include(database=False) }}

),

days as (

    select date_day
    from {{ ref('dim_date').include(database=False) }}
    where date_day <= {{ as_of_date() }}

),

final as (

    select
        days.date_day as snapshot_date,
        states.project_id,
        states.stage_code,
        states.amount,
        states.weighted_amount,
        states.expected_close_date
    from states
    inner join days
        on
            {{ in_validity_window('days.date_day', 'states') }}
    where states.status = 'open'

)

select * from final
