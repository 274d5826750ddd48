with

source as (

    select * from {{ source('store', 'project_members') }}

),

renamed as (

    select
        id as project_member_id,
        project_id,
        user_id,
        member_role,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
