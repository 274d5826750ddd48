-- One row per lead (线索): where it came from, and whether and when it became a project.
with

leads as (

    select * from {{ ref('stg_store__leads') }}

),

final as (

    select
        leads.lead_id,
        sources.lead_source_code as source_code,
        leads.owner_id,
        cast(leads.created_at as date) as created_date,
        leads.status,
        case when leads.status = 'qualified' then cast(leads.decided_at as date) end
            as qualified_date,
        case when leads.status = 'rejected' then cast(leads.decided_at as date) end
            as rejected_date,
        leads.converted_project_id,
        case
            when leads.decided_at is not null
                then {{ days_between('cast(leads.created_at as date)', 'cast(leads.decided_at as date)') }}
        end as days_to_decision
    from leads
    inner join {{ ref('stg_store__lead_sources') }} as sources
        on leads.source_id = sources.lead_source_id

)

select * from final
