{#- The day the warehouse describes: `--vars '{as_of_date: 2026-11-27}'` pins it (tests,
    back-fills); by default it is today. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
