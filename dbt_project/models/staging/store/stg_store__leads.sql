with

source as (

    select * from {{ source('store', 'leads') }}

),

renamed as (

    select
        id as lead_id,
        company_name,
        contact_name,
        phone,
        source_id,
        customer_id,
        owner_id,
        industry_id,
        region_id,
        description,
        status,
        reject_reason,
        decided_at,
        decided_by,
        converted_project_id,
        external_id,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
