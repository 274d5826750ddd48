-- Calibrated win probability per sales mode and stage: of the closed projects of the mode
-- that reached the stage, the share that was won.
with

visits as (

    select * from {{ ref('int_stage_visits_derived') }}

),

closed_projects as (

    select
        project_id,
        status
    from {{ ref('int_projects_enriched') }}
    where status in ('won', 'lost')

),

stages as (

    -- each stage with the code of its sales mode
    select
        stage_rows.stage_id,
        stage_rows.stage_code,
        stage_rows.stage_order,
        stage_rows.default_probability,
        sales_modes.sales_mode_code
    from {{ ref('stg_store__stages') }} as stage_rows
    inner join {{ ref('stg_store__sales_modes') }} as sales_modes
        on stage_rows.sales_mode_id = sales_modes.sales_mode_id

),

reached as (

    select distinct
        visits.project_id,
        visits.stage_id,
        closed_projects.status
    from visits
    inner join closed_projects
        on visits.project_id = closed_projects.project_id

),

final as (

    select
        stages.sales_mode_code,
        stages.stage_code,
        stages.stage_order,
        stages.default_probability,
        count(reached.project_id) as closed_count,
        count(case when reached.status = 'won' then 1 end) as won_count,
        cast(
            case
                when count(reached.project_id) > 0
                    then
                        count(case when reached.status = 'won' then 1 end) * 1.0
                        / count(reached.project_id)
            end
            as decimal(5, 4)
        ) as calibrated_probability
    from stages
    left join reached
        on stages.stage_id = reached.stage_id
    group by 1, 2, 3, 4

)

select * from final
