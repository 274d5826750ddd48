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
        {{ store_audit_columns() }}

    from source

)

select * from renamed
