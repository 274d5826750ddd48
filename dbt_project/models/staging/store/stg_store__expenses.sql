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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
