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
        {{ store_audit_columns() }}

    from source

)

select * from renamed
