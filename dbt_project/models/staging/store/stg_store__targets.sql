with

source as (

    select * from {{ source('store', 'targets') }}

),

renamed as (

    select
        id as target_id,
        period_month,
        user_id,
        department_id,
        amount,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
