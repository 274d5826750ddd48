with

source as (

    select * from {{ source('store', 'users') }}

),

renamed as (

    select
        id as user_id,
        username,
        display_name,
        email,
        role,
        department_id,
        manager_id,
        region_id,
        locale,
        is_active,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
