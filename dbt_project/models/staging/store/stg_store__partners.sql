with

source as (

    select * from {{ source('store', 'partners') }}

),

renamed as (

    select
        id as partner_id,
        name as partner_name,
        partner_type,
        is_active,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
