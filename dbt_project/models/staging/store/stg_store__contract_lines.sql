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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
