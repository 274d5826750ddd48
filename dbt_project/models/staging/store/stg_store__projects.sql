with

source as (

    select * from {{ source('store', 'projects') }}

),

renamed as (

    -- the renames are shared with projects_snapshot (macros/store_renames.sql)
    select
        {{ projects_renamed() | indent(8) }}

    from source

)

select * from renamed
