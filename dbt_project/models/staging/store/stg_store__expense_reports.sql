with

source as (

    select * from {{ source('store', 'expense_reports') }}

),

renamed as (

    select
        id as report_id,
        report_no,
        owner_id,
        title,
        status,
        total_amount,
        submitted_at,
        version,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
