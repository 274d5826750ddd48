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
        {{ store_audit_columns() }}

    from source

)

select * from renamed
