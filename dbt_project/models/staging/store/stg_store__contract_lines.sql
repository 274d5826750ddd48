with

source as (

    select * from {{ source('store', 'contract_lines') }}

),

renamed as (

    select
        id as contract_line_id,
        contract_id,
        product_id,
        quantity,
        unit_price,
        line_amount,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
