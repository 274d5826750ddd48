with

source as (

    select * from {{ source('store', 'customers') }}

),

renamed as (

    -- the renames are shared with customers_snapshot (macros/store_renames.sql)
    select
        {{ customers_renamed() | indent(8) }}

    from source

)

select * from renamed
