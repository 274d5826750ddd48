with

source as (

    select * from {{ source('store', 'competitors') }}

),

renamed as (

    select
        id as competitor_id,
        name as competitor_name,
        strengths,
        is_active,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
