with

source as (

    select * from {{ source('store', 'user_industries') }}

),

renamed as (

    select
        id as user_industry_id,
        user_id,
        industry_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
