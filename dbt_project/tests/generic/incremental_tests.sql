{#- `unique` and `relationships` for large incremental models, checked on the rows whose
    `changed_column` is above the tested-through mark (see macros/tested_through.sql);
    every row when there is no mark. -#}

{% test unique_since_tested(model, column_name, changed_column='source_change_seq') %}

{%- set since = tested_through() %}

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} is not null
    {%- if since > 0 %}
        and {{ column_name }} in (
            select changed.{{ column_name }}
            from {{ model }} as changed
            where changed.{{ changed_column }} > {{ since }}
        )
    {%- endif %}
group by {{ column_name }}
having count(*) > 1

{% endtest %}

{% test relationships_since_tested(
    model, column_name, to, field, changed_column='source_change_seq'
) %}

{%- set since = tested_through() %}

select child.{{ column_name }} as from_field
from {{ model }} as child
left join {{ to }} as parent
    on child.{{ column_name }} = parent.{{ field }}
where
    child.{{ column_name }} is not null
    and parent.{{ field }} is null
    {%- if since > 0 %}
        and child.{{ changed_column }} > {{ since }}
    {%- endif %}

{% endtest %}
