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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
