with

source as (

    select * from {{ source('store', 'expenses') }}

),

renamed as (

    select
        id as expense_id,
        owner_id,
        project_id,
        customer_id,
        category,
        amount,
        incurred_date,
        description,
        report_id,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
