{#- One row per quarter start from `first` to `last` (both dates, `first` a quarter start),
    in a column named `quarter_start`. -#}
{% macro quarter_starts(first, last) -%}
    {{ return(adapter.dispatch('quarter_starts', 'crm')(first, last)) }}
{%- endmacro %}

{% macro default__quarter_starts(first, last) -%}
    select unnest(generate_series({{ first }}, {{ last }}, interval 3 month)) as quarter_start
{%- endmacro %}

{% macro spark__quarter_starts(first, last) -%}
    select explode(sequence({{ first }}, {{ last }}, interval 3 month)) as quarter_start
{%- endmacro %}
