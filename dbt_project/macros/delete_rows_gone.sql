{#- Post-hook of an incremental fact kept per store record: after an incremental run, drop
    the rows whose record is no longer in `staging` (`key` its id). A full build has none
    to drop, and runs no delete: Spark's Parquet tables cannot delete rows. -#}
{% macro delete_rows_gone(key, staging) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ key }} not in (select {{ key }} from {{ staging }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
