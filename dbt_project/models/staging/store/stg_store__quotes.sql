with

source as (

    select * from {{ source('store', 'quotes') }}

),

renamed as (

    select
        id as quote_id,
        project_id,
        quote_no,
        quote_date,
        valid_until,
        status,
        total_amount,
        notes,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
