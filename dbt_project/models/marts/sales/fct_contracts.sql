-- One row per contract, generated when a project closed won.
with

contracts as (

    select * from {{ ref('stg_store__contracts') }}

),

final as (

    select
        contract_id,
        project_id,
        customer_id,
        owner_id,
        contract_no,
        signed_date,
        cast(amount as decimal(18, 2)) as amount
    from contracts

)

select * from final
