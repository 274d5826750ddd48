{{
    config(
        materialized='incremental',
        unique_key='project_id',
        post_hook="{{ delete_rows_gone('project_id', ref('stg_store__projects')) }}"
    )
}}

-- What was known about an open deal at the end of a day, one row per deal and observation
-- day: the first day of every quarter the deal was open on (what a model learns from and a
-- backtest scores), and the as-of day and the week before it (the score and its change).
-- Every feature reads only rows dated on or before observed_on (a stage change, an activity
-- done or entered, a contact or competitor entered, another deal closed), so a model
-- trained on past observations never sees their future. final_status and
-- closed_date are the labels, never features.
-- Incremental by deal: a run rebuilds the deals whose history, activities, contacts or
-- competitors changed, and every open deal when the as-of day moved (its days in stage,
-- activity recency and the observation days move with it). Nothing else is read.
{#- The rows of a deal that its features read, by CTE name: each is read for the rebuilt
    deals only, a change in any of them rebuilds the deal, and the newest change among
    them is the deal's source_change_seq. -#}
{%- set per_deal_inputs = {
    'changes': 'int_stage_changes_ordered',
    'activities': 'stg_store__activities',
    'project_contacts': 'stg_store__project_contacts',
    'project_competitors': 'stg_store__project_competitors',
} %}
with

{% if is_incremental() %}
    rebuilt as (

        -- the deals with a row changed since the last build, in any table a feature reads
        {% for changes in per_deal_inputs.values() | list + ['stg_store__projects'] -%}
            {{ projects_changed_since_built(ref(changes), 'source_change_seq') }}
            union
        {% endfor -%}
        select open_projects.project_id
        from {{ ref('stg_store__projects') }} as open_projects
        where
            open_projects.status = 'open'
            and (select max(built.built_as_of) from {{ this }} as built)
            <> {{ as_of_date() }}
        union
        -- and the deals observed on the old as-of day or the week before it (closed since)
        select built_rows.project_id
        from {{ this }} as built_rows
        where
            (select max(built.built_as_of) from {{ this }} as built) <> {{ as_of_date() }}
            and built_rows.observed_on
            >= (select max(built.built_as_of) - 7 from {{ this }} as built)

    ),
{% endif %}

projects as (

    select * from {{ ref('int_projects_enriched') }}
    {% if is_incremental() %}
        where project_id in (select rebuilt.project_id from rebuilt)
    {% endif %}

),

all_projects as (

    -- the deals of the rebuilt deals' customers and reps, for their track records and
    -- typical amounts (every deal in a full build; none when nothing changed)
    select * from {{ ref('int_projects_enriched') }}
    {% if is_incremental() %}
        where
            customer_id in (select projects.customer_id from projects)
            or owner_id in (select projects.owner_id from projects)
    {% endif %}

),

stages as (

    select * from {{ ref('dim_stages') }}

),

{#- A full build reads every deal's rows: filtering them by `projects` would only cost a
    join (and 1.5 GB of memory on the large profile). -#}
{% for name, model in [('states', 'fct_project_states')] + (per_deal_inputs.items() | list) %}
    {{ name }} as (

        select * from {{ ref(model) }}
        {% if is_incremental() %}
            where project_id in (select projects.project_id from projects)
        {% endif %}

    ),
{% endfor %}

quarter_starts as (

    select cast(quarter_start as date) as observed_on
    from (
        {{ quarter_starts(
            "cast(date_trunc('quarter', (select min(states.valid_from_date) from states)) as date)",
            'cast(' ~ as_of_date() ~ ' as date)'
        ) }}
    ) as spine

),

observations as (

    -- the deal was open at the end of the day: the state interval holding it says so
    select
        states.project_id,
        observation_days.observed_on,
        states.sales_mode_code,
        states.stage_code,
        states.stage_order,
        cast(states.amount as double) as amount,
        states.expected_close_date
    from (
        select quarter_starts.observed_on from quarter_starts
        union
        select {{ as_of_date() }} as observed_on
        union
        select cast({{ as_of_date() }} - 7 as date) as observed_on
    ) as observation_days
    inner join states
        on
            {{ in_validity_window('observation_days.observed_on', 'states') }}
    where
        states.status = 'open'
        and observation_days.observed_on <= {{ as_of_date() }}

),

history as (

    -- each history row with what it changed: a stage entered, a step back, a later close date
    select
        changes.project_id,
        cast(changes.changed_at as date) as changed_on,
        changes.change_type in ('created', 'stage', 'reopened')
        and coalesce(changes.from_stage_id <> changes.stage_id, true) as enters_stage,
        coalesce(changes.stage_order < from_stages.stage_order, false) as moves_back,
        coalesce(
            changes.expected_close_date
            > lag(changes.expected_close_date) over (
                partition by changes.project_id order by changes.change_number
            ),
            false
        ) as pushes_close_date,
        changes.change_number,
        changes.amount
    from changes
    left join stages as from_stages
        on changes.from_stage_id = from_stages.stage_id

),

history_as_of as (

    select
        observations.project_id,
        observations.observed_on,
        max(case when history.enters_stage then history.changed_on end) as stage_entered_on,
        count(case when history.moves_back then 1 end) as stage_moves_back,
        count(case when history.pushes_close_date then 1 end) as close_date_pushes
    from observations
    inner join history
        on
            observations.project_id = history.project_id
            and observations.observed_on >= history.changed_on
    group by 1, 2

),

first_amounts as (

    -- a deal's amount when it was entered: known from its first day on
    select
        all_projects.project_id,
        all_projects.customer_id,
        all_projects.owner_id,
        all_projects.created_at,
        cast(first_changes.amount as double) as first_amount
    from all_projects
    inner join {{ ref('int_stage_changes_ordered') }} as first_changes
        on
            all_projects.project_id = first_changes.project_id
            and first_changes.change_number = 1

),

typical_amounts as (

    -- the average first amount of the rep's and of the customer's deals entered before
    select
        project_id,
        avg(first_amount) over (
            partition by owner_id order by created_at, project_id
            rows between unbounded preceding and 1 preceding
        ) as rep_typical_amount,
        avg(first_amount) over (
            partition by customer_id order by created_at, project_id
            rows between unbounded preceding and 1 preceding
        ) as customer_typical_amount
    from first_amounts

),

activities_as_of as (

    select
        observations.project_id,
        observations.observed_on,
        count(
            case when cast(activities.done_at as date) <= observations.observed_on then 1 end
        ) as activities_done,
        count(
            case
                when
                    cast(activities.done_at as date) <= observations.observed_on
                    and cast(activities.done_at as date) > observations.observed_on - 30
                    then 1
            end
        ) as activities_done_30d,
        max(
            case
                when cast(activities.done_at as date) <= observations.observed_on
                    then cast(activities.done_at as date)
            end
        ) as last_activity_on,
        count(
            case
                when
                    cast(activities.planned_at as date) > observations.observed_on
                    and (
                        activities.done_at is null
                        or cast(activities.done_at as date) > observations.observed_on
                    )
                    then 1
            end
        ) as activities_planned,
        count(
            case
                when
                    cast(activities.planned_at as date) < observations.observed_on
                    and (
                        activities.done_at is null
                        or cast(activities.done_at as date) > observations.observed_on
                    )
                    then 1
            end
        ) as activities_overdue
    from observations
    inner join activities
        on
            observations.project_id = activities.project_id
            and observations.observed_on >= cast(activities.created_at as date)
    group by 1, 2

),

contacts_as_of as (

    select
        observations.project_id,
        observations.observed_on,
        count(*) as contacts_mapped,
        count(case when project_contacts.decision_role = 'decision_maker' then 1 end)
            as decision_makers_mapped
    from observations
    inner join project_contacts
        on
            observations.project_id = project_contacts.project_id
            and observations.observed_on >= cast(project_contacts.created_at as date)
    group by 1, 2

),

competitors_as_of as (

    select
        observations.project_id,
        observations.observed_on,
        count(*) as competitor_count,
        max(
            case project_competitors.threat_level when 'high' then 3 when 'medium' then 2 else 1 end
        ) as competitor_threat
    from observations
    inner join project_competitors
        on
            observations.project_id = project_competitors.project_id
            and observations.observed_on >= cast(project_competitors.created_at as date)
    group by 1, 2

),

closes as (

    -- each closed deal's outcome, for the track records of its customer and its rep
    select
        project_id,
        customer_id,
        owner_id,
        closed_date,
        case when status = 'won' then 1 else 0 end as is_won
    from all_projects
    where status in ('won', 'lost') and closed_date is not null

),

customer_records as (

    -- after each closing day: the customer's wins and losses so far
    select distinct
        customer_id,
        closed_date,
        sum(is_won) over (partition by customer_id order by closed_date) as past_wins,
        sum(1 - is_won) over (partition by customer_id order by closed_date) as past_losses
    from closes

),

rep_records as (

    select distinct
        owner_id,
        closed_date,
        sum(is_won) over (partition by owner_id order by closed_date) as past_wins,
        sum(1 - is_won) over (partition by owner_id order by closed_date) as past_losses
    from closes

),

track_records as (

    {{ track_records_as_of() | indent(4) }}

),

source_seqs as (

    -- the newest store change this deal's rows were built from
    select
        project_id,
        max(change_seq) as source_change_seq
    from (
        {% for name in per_deal_inputs -%}
            select
                project_id,
                change_seq
            from {{ name }}
            {{ 'union all' if not loop.last }}
        {% endfor -%}
    ) as seqs
    group by 1

),

final as (

    select
        observations.project_id,
        observations.observed_on,
        projects.owner_id,
        observations.sales_mode_code,
        observations.stage_code,
        observations.stage_order,
        cast(stages.default_probability as double) as stage_probability,
        projects.customer_type,
        projects.industry_code,
        {{ days_between('history_as_of.stage_entered_on', 'observations.observed_on') }} as days_in_stage,
        {{ days_between('projects.created_date', 'observations.observed_on') }} as age_days,
        history_as_of.stage_moves_back,
        history_as_of.close_date_pushes,
        {{ days_between('observations.observed_on', 'observations.expected_close_date') }} as days_to_close,
        observations.amount,
        observations.amount / nullif(typical_amounts.rep_typical_amount, 0) as amount_vs_rep_typical,
        observations.amount
        / nullif(typical_amounts.customer_typical_amount, 0) as amount_vs_customer_typical,
        coalesce(activities_as_of.activities_done, 0) as activities_done,
        coalesce(activities_as_of.activities_done_30d, 0) as activities_done_30d,
        {{ days_between('activities_as_of.last_activity_on', 'observations.observed_on') }} as days_since_activity,
        coalesce(activities_as_of.activities_planned, 0) as activities_planned,
        coalesce(activities_as_of.activities_overdue, 0) as activities_overdue,
        coalesce(contacts_as_of.contacts_mapped, 0) as contacts_mapped,
        coalesce(contacts_as_of.decision_makers_mapped, 0) as decision_makers_mapped,
        coalesce(competitors_as_of.competitor_count, 0) as competitor_count,
        coalesce(competitors_as_of.competitor_threat, 0) as competitor_threat,
        cast(coalesce(track_records.customer_past_wins, 0) as bigint) as customer_past_wins,
        cast(coalesce(track_records.customer_past_losses, 0) as bigint) as customer_past_losses,
        -- smoothed towards one half, so a new rep starts at even odds, not at 0 or 1
        (coalesce(track_records.rep_past_wins, 0) + 1.0)
        / (coalesce(track_records.rep_past_wins, 0) + coalesce(track_records.rep_past_losses, 0) + 2.0)
            as rep_win_rate,
        projects.status as final_status,
        case when projects.status in ('won', 'lost') then projects.closed_date end as closed_date,
        cast({{ as_of_date() }} as date) as built_as_of,
        greatest(coalesce(source_seqs.source_change_seq, 0), projects.change_seq) as source_change_seq
    from observations
    inner join projects
        on observations.project_id = projects.project_id
    inner join stages
        on {{ keys_match('observations', 'stages', ['sales_mode_code', 'stage_code']) }}
    left join history_as_of
        on {{ keys_match('observations', 'history_as_of', ['project_id', 'observed_on']) }}
    left join typical_amounts
        on observations.project_id = typical_amounts.project_id
    left join activities_as_of
        on {{ keys_match('observations', 'activities_as_of', ['project_id', 'observed_on']) }}
    left join contacts_as_of
        on {{ keys_match('observations', 'contacts_as_of', ['project_id', 'observed_on']) }}
    left join competitors_as_of
        on {{ keys_match('observations', 'competitors_as_of', ['project_id', 'observed_on']) }}
    left join track_records
        on {{ keys_match('observations', 'track_records', ['project_id', 'observed_on']) }}
    left join source_seqs
        on observations.project_id = source_seqs.project_id

)

select * from final
