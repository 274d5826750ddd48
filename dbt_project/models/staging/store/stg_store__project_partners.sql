with

source as (

    select * from {{ source('store', 'project_partners') }}

),

renamed as (

    select
        id as project_partner_id,
        project_id,
        partner_id,
        partner_role,
        notes,
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
