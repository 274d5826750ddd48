{#- The projects that have a row in `changes` with a change_seq above the highest
    `built_column` value already in this model (an incremental run's rebuild set). -#}
{% macro projects_changed_since_built(changes, built_column='change_seq') -%}
    select changed.project_id
    from {{ changes }} as changed
    where
        changed.change_seq
        > (select max(built.{{ built_column }}) from {{ this }} as built)
{%- endmacro %}

{#- In an incremental run of a per-project model: keep only the projects that have a row in
    `changes` with a change_seq above the highest `built_column` value already in this
    model. Outside incremental runs it adds nothing. -#}
{% macro only_changed_projects(changes, built_column='change_seq') -%}
    {%- if is_incremental() %}
        where project_id in (
            {{ projects_changed_since_built(changes, built_column) }}
        )
    {%- endif %}
{%- endmacro %}
