-- Materialised because several models read it; incremental by project: a run renumbers the
-- history of the projects that have new history rows (a project's rows depend on nothing
-- else). Changing a stage's order or code takes `crm refresh --full`.
{{
    config(
        materialized='incremental',
        unique_key='project_id'
    )
}}

-- Stage history with the stage's mode and order, numbered per project in time order.
with

changes as (

    select * from {{ ref('stg_store__stage_changes') }}
    {{ only_changed_projects(ref('stg_store__stage_changes')) }}

),

stages as (

    select * from {{ ref('stg_store__stages') }}

),

final as (

    select
        changes.stage_change_id,
        changes.project_id,
        changes.change_type,
        changes.from_stage_id,
        changes.to_stage_id as stage_id,
        stages.stage_code,
        stages.stage_order,
        stages.is_won_stage,
        changes.changed_at,
        changes.amount,
        changes.expected_close_date,
        changes.status,
        changes.change_seq,
        row_number() over (
            partition by changes.project_id
            order by changes.changed_at, changes.stage_change_id
        ) as change_number
    from changes
    inner join stages
        on changes.to_stage_id = stages.stage_id

)

select * from final
