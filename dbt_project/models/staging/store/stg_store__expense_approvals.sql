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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
