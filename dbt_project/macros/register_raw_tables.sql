{#- On Spark the store's raw tables are Parquet folders that the refresh writes
    (spark/raw/<table> beside the build file); each run points the raw schema's tables
    at them afresh, so that a new extraction is read whole. DuckDB holds raw in its own
    file: nothing to do. -#}
{% macro register_raw_tables() %}
    {{ return(adapter.dispatch('register_raw_tables', 'crm')()) }}
{% endmacro %}

{% macro default__register_raw_tables() %}{% endmacro %}

{% macro spark__register_raw_tables() %}
    {% if execute %}
        {#- beside Spark's own warehouse folder, which Spark reports as an absolute path
            (a relative table location would be read inside the schema's folder) -#}
        {% set tables_dir = run_query('set spark.sql.warehouse.dir').columns[1].values()[0] %}
        {% set raw_dir = tables_dir.rstrip('/').rsplit('/', 1)[0] ~ '/raw' %}
        {% do run_query('create schema if not exists raw') %}
        {% for source in graph.sources.values() if source.source_name == 'store' %}
            {% do run_query('drop table if exists raw.' ~ source.name) %}
            {% do run_query(
                'create table raw.' ~ source.name ~ " using parquet location '"
                ~ raw_dir ~ '/' ~ source.name ~ "'"
            ) %}
        {% endfor %}
    {% endif %}
{% endmacro %}
