{#- The columns of the store's customers and projects as staging names them. Their
    staging models and their snapshots (which read the source itself) both select
    these, so a snapshot's versions always have the staging model's columns. -#}

{% macro customers_renamed() -%}
    id as customer_id,
    name as customer_name,
    customer_type_id,
    industry_id,
    region_id,
    status,
    owner_id,
    city,
    address,
    phone,
    notes,
    external_id,
    version,
    {{ store_audit_columns() }}
{%- endmacro %}

{% macro projects_renamed() -%}
    id as project_id,
    name as project_name,
    customer_id,
    sales_mode_id,
    stage_id,
    owner_id,
    department_id,
    industry_id,
    expected_amount,
    expected_close_date,
    budget_amount,
    status,
    loss_reason_id,
    loss_note,
    closed_date,
    description,
    external_id,
    version,
    {{ store_audit_columns() }}
{%- endmacro %}

{#- The audit columns every store table carries (ingest/store/models.py), passed through
    unchanged as the last columns of each staging model: created_at, updated_at (UTC),
    created_by, updated_by (user ids) and change_seq (the store-wide change sequence of
    the transaction that last wrote the row, which drives the incremental builds). -#}
{% macro store_audit_columns() -%}
    created_at,
    updated_at,
    created_by,
    updated_by,
    change_seq
{%- endmacro %}
