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
        {{ store_audit_columns() }}

    from source

)

select * from renamed
