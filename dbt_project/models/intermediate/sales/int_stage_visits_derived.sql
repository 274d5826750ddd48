-- Materialised because several models read it; incremental by project like its source.
{{
    config(
        materialized='incremental',
        unique_key='project_id'
    )
}}

-- One row per stay of a project in a stage. A visit starts when the project enters a stage
-- (created, moved forward, slipped back, won, or reopened after a loss) and ends at the next
-- visit's start or at the project's loss. The won stage is terminal: its visit lasts 0 days.
with

changes as (

    select
        *,
        max(change_seq) over (partition by project_id) as source_change_seq
    from {{ ref('int_stage_changes_ordered') }}
    {{ only_changed_projects(ref('int_stage_changes_ordered'), 'source_change_seq') }}

),

sequenced as (

    select
        *,
        lag(stage_id) over by_project as previous_stage_id,
        lag(change_type) over by_project as previous_change_type
    from changes
    window by_project as (partition by project_id order by change_number)

),

events as (

    -- visit starts and loss events in one stream; a visit ends at the next event
    select
        project_id,
        change_number,
        changed_at,
        stage_id,
        stage_code,
        stage_order,
        is_won_stage,
        source_change_seq,
        case
            when change_type = 'lost' then 'lost'
            else 'start'
        end as event_type
    from sequenced
    where
        change_type = 'lost'
        or previous_stage_id is null
        or stage_id <> previous_stage_id
        or previous_change_type = 'lost'

),

bounded as (

    select
        *,
        lead(changed_at) over by_project as next_event_at,
        lead(event_type) over by_project as next_event_type,
        lead(stage_order) over by_project as next_stage_order,
        lead(is_won_stage) over by_project as next_is_won_stage
    from events
    window by_project as (partition by project_id order by change_number)

),

final as (

    select
        project_id,
        cast(row_number() over (partition by project_id order by change_number) as bigint)
            as visit_number,
        stage_id,
        stage_code,
        stage_order,
        is_won_stage,
        changed_at as entered_at,
        case when is_won_stage then changed_at else next_event_at end as exited_at,
        case
            when is_won_stage then 'terminal'
            when next_event_type is null then 'open'
            when next_event_type = 'lost' then 'lost'
            when next_is_won_stage then 'won'
            when next_stage_order > stage_order then 'advanced'
            else 'slipped_back'
        end as exit_type,
        source_change_seq
    from bounded
    where event_type = 'start'

)

select * from final
