{#- Reads the store's table itself, not stg_store__projects: a snapshot records what the
    source held. It renames the columns as staging does (macros/store_renames.sql; nothing is
    cast, the checked columns keep their names), so the versions have the staging
    model's columns. -#}
{% snapshot projects_snapshot %}

    {{
        config(
            unique_key='project_id',
            strategy='check',
            check_cols=[
                'owner_id', 'department_id', 'customer_id', 'industry_id', 'sales_mode_id', 'budget_amount'
            ],
            hard_deletes='invalidate'
        )
    }}

    select
        {{ projects_renamed() | indent(8) }}

    from {{ source('store', 'projects') }}

{% endsnapshot %}
