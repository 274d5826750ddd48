{#- The day the warehouse describes: `--vars '{as_of_date: 2026-11-27}'` or, as the refresh
    sets it, the environment variable CRM_AS_OF_DATE pins it (tests, back-fills); by
    default it is today. The value is re-checked here (the Python callers
    already parse it) and enters SQL only as a date literal rebuilt from the parsed date:
    anything that is not YYYY-MM-DD stops the compile. -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', none) or env_var('CRM_AS_OF_DATE', '') -%}
    {%- if value -%}
        {%- set text = value | string -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
            {{ exceptions.raise_compiler_error(
                "as_of_date must be a date written YYYY-MM-DD, got " ~ (text[:40] | tojson)
            ) }}
        {%- endif -%}
        {%- set day = modules.datetime.datetime.strptime(text, '%Y-%m-%d') -%}
        date '{{ day.strftime("%Y-%m-%d") }}'
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
