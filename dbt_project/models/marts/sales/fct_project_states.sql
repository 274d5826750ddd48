{{
    config(
        materialized='incremental',
        unique_key='project_id',
        post_hook="{{ delete_rows_gone('project_id', ref('stg_store__projects')) }}"
    )
}}
-- A project's state over time as intervals [valid_from_date, valid_to_date): the state at
-- the end of any day D is the row with valid_from_date <= D < valid_to_date (open-ended
-- when valid_to_date is null). Lets dashboards compare the pipeline between any two dates.
-- Incremental by project like its source. Stored by valid_from_date (a full build sorts,
-- an incremental run appends the newest intervals): comparing two dates reads only the
-- row groups of intervals that begin or end between them.
with

states as (

    select * from {{ ref('int_project_states_daily') }}
    {{ only_changed_projects(ref('int_project_states_daily'), 'source_change_seq') }}

),

stages as (

    select * from {{ ref('dim_stages') }}

),

final as (

    select
        states.project_id,
        stages.sales_mode_code,
        states.valid_from_date,
        states.valid_to_date,
        states.stage_code,
        stages.stage_order,
        stages.forecast_category,
        cast(states.amount as decimal(18, 2)) as amount,
        cast(states.amount * stages.default_probability as decimal(18, 2)) as weighted_amount,
        states.expected_close_date,
        states.status,
        states.change_seq as source_change_seq
    from states
    inner join stages
        on states.stage_id = stages.stage_id

)

select * from final
order by valid_from_date
