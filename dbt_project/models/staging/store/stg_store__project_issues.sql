with

source as (

    select * from {{ source('store', 'project_issues') }}

),

renamed as (

    select
        id as issue_id,
        project_id,
        title,
        description,
        severity,
        status,
        resolution,
        resolved_at,
        {{ store_audit_columns() }}

    from source

)

select * from renamed
