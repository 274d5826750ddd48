with

source as (

    select * from {{ source('store', 'projects') }}

),

renamed as (

    select
        id as project_id,
        name as project_name,
        customer_id,
        sales_mode_id,
        stage_id,
        owner_id,
        department_id,
        industry_id,
        expected_amount,
        expected_close_date,
        budget_amount,
        status,
        loss_reason_id,
        loss_note,
        closed_date,
        description,
        external_id,
        version,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
