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
        {{ store_audit_columns() }}

    from source

)

select * from renamed
