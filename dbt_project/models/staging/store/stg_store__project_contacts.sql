with

source as (

    select * from {{ source('store', 'project_contacts') }}

),

renamed as (

    select
        id as project_contact_id,
        project_id,
        contact_id,
        decision_role,
        attitude,
        notes,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
