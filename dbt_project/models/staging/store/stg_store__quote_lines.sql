with

source as (

    select * from {{ source('store', 'quote_lines') }}

),

renamed as (

    select
        id as quote_line_id,
        quote_id,
        product_id,
        quantity,
        unit_price,
        discount_rate,
        line_amount,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
