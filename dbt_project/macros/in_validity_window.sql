{#- `point` falls in the half-open validity window [valid_from, valid_to) of a row of
    `versions` (a type-2 version or a state interval); a null valid_to is still valid. -#}
{% macro in_validity_window(point, versions, valid_from='valid_from_date', valid_to='valid_to_date') -%}
    {{ point }} >= {{ versions }}.{{ valid_from }}
    and ({{ versions }}.{{ valid_to }} is null or {{ point }} < {{ versions }}.{{ valid_to }})
{%- endmacro %}
