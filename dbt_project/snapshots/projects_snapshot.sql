{#- Reads the store's table itself, not stg_store__projects: a snapshot records what the
    source held. The columns are renamed as staging renames them (nothing is cast; the
    checked columns keep their names), so the versions have the staging model's columns. -#}
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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from {{ source('store', 'projects') }}

{% endsnapshot %}
