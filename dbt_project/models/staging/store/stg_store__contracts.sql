with

source as (

    select * from {{ source('store', 'contracts') }}

),

renamed as (

    select
        id as contract_id,
        project_id,
        customer_id,
        owner_id,
        contract_no,
        signed_date,
        amount,
        notes,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
