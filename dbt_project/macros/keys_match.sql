{#- Join condition for two relations that share a composite key (project and day, sales
    mode and stage): `left` and `right` hold equal values in every column of `columns`. -#}
{% macro keys_match(left, right, columns) -%}
    {%- for column in columns -%}
        {{ ' and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor -%}
{%- endmacro %}
