-- One row per contact mapped on a project's decision tree (决策树): their decision role and
-- attitude, with the project's owner and status (row-level security, win/loss questions).
with

project_contacts as (

    select * from {{ ref('stg_store__project_contacts') }}

),

projects as (

    select * from {{ ref('int_projects_enriched') }}

),

final as (

    select
        project_contacts.project_contact_id,
        project_contacts.project_id,
        project_contacts.contact_id,
        contacts.customer_id,
        project_contacts.decision_role,
        project_contacts.attitude,
        project_contacts.decision_role = 'decision_maker' as is_decision_maker,
        projects.owner_id,
        projects.status as project_status,
        cast(project_contacts.created_at as date) as mapped_date
    from project_contacts
    inner join projects
        on project_contacts.project_id = projects.project_id
    left join {{ ref('stg_store__contacts') }} as contacts
        on project_contacts.contact_id = contacts.contact_id

)

select * from final
order by project_id, project_contact_id
