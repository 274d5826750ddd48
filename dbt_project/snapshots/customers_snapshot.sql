{#- Reads the store's table itself, not stg_store__customers: a snapshot records what the
    source held. The columns are renamed as staging renames them (nothing is cast), so the
    versions have the staging model's columns. -#}
{% snapshot customers_snapshot %}

    {{
        config(
            unique_key='customer_id',
            strategy='timestamp',
            updated_at='updated_at',
            hard_deletes='invalidate'
        )
    }}

    select
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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from {{ source('store', 'customers') }}

{% endsnapshot %}
