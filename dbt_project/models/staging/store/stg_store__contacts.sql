with

source as (

    select * from {{ source('store', 'contacts') }}

),

renamed as (

    select
        id as contact_id,
        customer_id,
        name as contact_name,
        title,
        phone,
        email,
        notes,
        owner_id,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
