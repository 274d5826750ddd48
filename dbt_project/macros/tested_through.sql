{#- Incremental tests. After a build in which every node passed, the store change sequence
    it covered is recorded; the `*_since_tested` tests then check only rows that changed
    after it. Rows older than the mark passed the same test in an earlier build and
    delete+insert leaves them untouched, so the scoped test is as strong as the full one
    at a fraction of the cost on the large incremental facts. A full refresh, a failed
    build or a partial selection never advances the mark. A Spark build is always a full
    one (docs/architecture.md §5.6), so it keeps no mark and tests every row. -#}

{% macro tested_through_table() -%}
    dbt_meta.tested_through
{%- endmacro %}

{% macro prepare_tested_through() -%}
    {%- if target.type == 'spark' %}{{ return('select 1') }}{% endif %}
    create schema if not exists dbt_meta;
    create table if not exists {{ tested_through_table() }} (change_seq bigint not null);
    {%- if flags.FULL_REFRESH %}
        delete from {{ tested_through_table() }};
    {%- endif %}
{%- endmacro %}

{% macro record_tested_through(results) -%}
    {%- set failed = results | rejectattr('status', 'in', ['success', 'pass', 'no-op']) | list -%}
    {%- set selection = (invocation_args_dict.get('select') or []) | list -%}
    {%- if target.type != 'spark' and flags.WHICH == 'build' and not failed
        and selection in ([], ['fqn:*']) %}
        delete from {{ tested_through_table() }};
        insert into {{ tested_through_table() }}
        select coalesce(min(change_seq), 0) from raw._watermarks;
    {%- else %}
        select 1
    {%- endif %}
{%- endmacro %}

{#- The recorded mark, read when the test compiles (just before it runs); 0 = test all. -#}
{% macro tested_through() -%}
    {%- if execute and not flags.FULL_REFRESH and target.type != 'spark' -%}
        {%- set exists = run_query(
            "select count(*) from information_schema.tables "
            ~ "where table_schema = 'dbt_meta' and table_name = 'tested_through'"
        ) -%}
        {%- if exists.columns[0].values()[0] > 0 -%}
            {%- set found = run_query(
                'select coalesce(max(change_seq), 0) from ' ~ tested_through_table()
            ) -%}
            {{- return(found.columns[0].values()[0] | int) -}}
        {%- endif -%}
    {%- endif -%}
    {{- return(0) -}}
{%- endmacro %}
