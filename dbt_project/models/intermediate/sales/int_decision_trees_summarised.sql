-- One row per project with a decision tree (决策树): how many contacts it maps and how many
-- of them decide (role decision_maker). A project without a row has no contact mapped.
with

project_contacts as (

    select * from {{ ref('stg_store__project_contacts') }}

),

final as (

    select
        project_id,
        count(*) as contact_count,
        count(case when decision_role = 'decision_maker' then 1 end) as decision_maker_count
    from project_contacts
    group by project_id

)

select * from final
