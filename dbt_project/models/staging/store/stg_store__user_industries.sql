with

source as (

    select * from {{ source('store', 'user_industries') }}

),

renamed as (

    select
        id as user_industry_id,
        user_id,
        industry_id,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
