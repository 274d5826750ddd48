with

source as (

    select * from {{ source('store', 'expense_approvals') }}

),

renamed as (

    select
        id as approval_id,
        report_id,
        step,
        decision,
        actor_id,
        acted_at,
        comment,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
