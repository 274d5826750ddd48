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
        {{ store_audit_columns() }}

    from source

)

select * from renamed
