{#- Reads the store's table itself, not stg_store__customers: a snapshot records what the
    source held. It renames the columns as staging does (macros/store_renames.sql; nothing is
    cast), so the versions have the staging model's columns. -#}
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
        {{ customers_renamed() | indent(8) }}

    from {{ source('store', 'customers') }}

{% endsnapshot %}
