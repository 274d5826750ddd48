{#- The customers' type-2 versions: the rows of customers_snapshot. Where snapshots cannot
    run (Spark on plain Parquet, which cannot merge: dbt_project.yml) every build is a
    first build, and a first snapshot holds each customer's current row, valid from its
    last update: built here the way dbt's timestamp strategy builds it. -#}
{% macro customer_versions() -%}
    {%- if target.type == 'spark' and env_var('CRM_SPARK_FILE_FORMAT', 'parquet') == 'parquet' %}
        select
            {{ customers_renamed() | indent(12) }},
            {{ snapshot_hash_arguments(['id', 'updated_at']) }} as dbt_scd_id,
            updated_at as dbt_updated_at,
            updated_at as dbt_valid_from,
            cast(null as timestamp) as dbt_valid_to
        from {{ source('store', 'customers') }}
    {%- else %}
        select * from {{ ref('customers_snapshot') }}
    {%- endif %}
{%- endmacro %}
