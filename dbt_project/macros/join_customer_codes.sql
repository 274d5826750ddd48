{#- Joins onto `customers` the codes that label a customer: its type, industry and region.
    `customers` is the store's current customers (int_projects_enriched, fct_expenses) or
    their snapshot versions (dim_customers); the store requires all three, so the inner
    joins keep every row. -#}
{% macro join_customer_codes(customers) -%}
    inner join {{ ref('stg_store__customer_types') }} as customer_types
        on {{ customers }}.customer_type_id = customer_types.customer_type_id
    inner join {{ ref('stg_store__industries') }} as industries
        on {{ customers }}.industry_id = industries.industry_id
    inner join {{ ref('stg_store__regions') }} as regions
        on {{ customers }}.region_id = regions.region_id
{%- endmacro %}
