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
        created_at,
        updated_at,
        created_by,
        updated_by,
        change_seq

    from source

)

select * from renamed
