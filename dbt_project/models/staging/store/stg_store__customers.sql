with

source as (

    select * from {{ source('store', 'customers') }}

),

renamed as (

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

    from source

)

select * from renamed
