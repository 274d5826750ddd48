{{
    config(
        materialized='incremental',
        unique_key='project_id',
        post_hook="{{ delete_rows_gone('project_id', ref('stg_store__projects')) }}"
    )
}}
-- One row per stage visit. Incremental by project: a run rebuilds every visit of projects
-- whose history changed since the last run, and, when the as-of date moved, of open
-- projects, whose current visit grows a day older each day. Deleted projects are removed
-- by the post-run cleanup.
with

visits as (

    select * from {{ ref('int_stage_visits_derived') }}

),

projects as (

    select
        project_id,
        sales_mode_code,
        status
    from {{ ref('int_projects_enriched') }}

),

{% if is_incremental() %}
changed_projects as (

    select visits.project_id
    from visits
    where
        visits.source_change_seq
        > (select coalesce(max(built.source_change_seq), 0) from {{ this }} as built)
    union
    select project_id
    from projects
    where
        status = 'open'
        -- a current visit's entry day + days in stage is the as-of date it was built for
        and (
            select max(cast(built.entered_at as date) + cast(built.days_in_stage as integer))
            from {{ this }} as built
            where built.is_current
        ) is distinct from {{ as_of_date() }}

),
{% endif %}

final as (

    select
        visits.project_id * 1000 + visits.visit_number as stage_visit_id,
        visits.project_id,
        visits.visit_number,
        projects.sales_mode_code,
        visits.stage_code,
        visits.stage_order,
        visits.is_won_stage,
        visits.entered_at,
        visits.exited_at,
        visits.exit_type,
        visits.exited_at is null as is_current,
        {{ days_between(
            'cast(visits.entered_at as date)',
            'coalesce(cast(visits.exited_at as date), ' ~ as_of_date() ~ ')'
        ) }} as days_in_stage,
        -- every visit of a changed project is rebuilt, so the project-wide maximum holds
        max(visits.stage_order) over (partition by visits.project_id)
        > visits.stage_order as reached_later_stage,
        lag(visits.entered_at) over (
            partition by visits.project_id, visits.stage_code order by visits.visit_number
        ) as prior_visit_entered_at,
        visits.source_change_seq
    from visits
    inner join projects
        on visits.project_id = projects.project_id
    {% if is_incremental() %}
        where visits.project_id in (select project_id from changed_projects)
    {% endif %}

)

select * from final
