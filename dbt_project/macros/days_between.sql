{#- Whole days from one date to another, as a bigint on every engine (DuckDB's date
    difference is one; Spark's datediff an int). -#}
{% macro days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as bigint)
{%- endmacro %}
