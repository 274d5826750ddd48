{#- Each observation's customer and rep track records (fct_deal_features): the latest
    record of each on or before the observed day, or nulls before the first. An open deal
    is not among its own closes. -#}
{% macro track_records_as_of() -%}
    {{ return(adapter.dispatch('track_records_as_of', 'crm')()) }}
{%- endmacro %}

{#- DuckDB finds the latest record with an ASOF join. -#}
{% macro default__track_records_as_of() -%}
    select
        observations.project_id,
        observations.observed_on,
        customer_records.past_wins as customer_past_wins,
        customer_records.past_losses as customer_past_losses,
        rep_records.past_wins as rep_past_wins,
        rep_records.past_losses as rep_past_losses
    from observations
    inner join projects
        on observations.project_id = projects.project_id
    asof left join customer_records
        on
            projects.customer_id = customer_records.customer_id
            and observations.observed_on >= customer_records.closed_date
    asof left join rep_records
        on
            projects.owner_id = rep_records.owner_id
            and observations.observed_on >= rep_records.closed_date
{%- endmacro %}

{#- Without ASOF joins: the records are running counts, so the latest one on or before the
    day is also the largest. -#}
{% macro spark__track_records_as_of() -%}
    select
        customer_track.project_id,
        customer_track.observed_on,
        customer_track.past_wins as customer_past_wins,
        customer_track.past_losses as customer_past_losses,
        rep_track.past_wins as rep_past_wins,
        rep_track.past_losses as rep_past_losses
    from ({{ largest_record_as_of('customer_id', 'customer_records') }}) as customer_track
    inner join ({{ largest_record_as_of('owner_id', 'rep_records') }}) as rep_track
        on {{ keys_match('customer_track', 'rep_track', ['project_id', 'observed_on']) }}
{%- endmacro %}

{% macro largest_record_as_of(key, records) -%}
    select
        observations.project_id,
        observations.observed_on,
        max({{ records }}.past_wins) as past_wins,
        max({{ records }}.past_losses) as past_losses
    from observations
    inner join projects
        on observations.project_id = projects.project_id
    left join {{ records }}
        on
            projects.{{ key }} = {{ records }}.{{ key }}
            and observations.observed_on >= {{ records }}.closed_date
    group by observations.project_id, observations.observed_on
{%- endmacro %}
