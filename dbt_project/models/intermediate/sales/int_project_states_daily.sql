-- Materialised because several models read it; incremental by project like its source.
{{
    config(
        materialized='incremental',
        unique_key='project_id'
    )
}}

-- A project's state (stage, amount, close date, status) from the end of one day until the
-- end of the day before its next change: the last history row of each day wins.
with

changes as (

    select * from {{ ref('int_stage_changes_ordered') }}
    {{ only_changed_projects(ref('int_stage_changes_ordered')) }}

),

end_of_day as (

    select
        project_id,
        cast(changed_at as date) as valid_from_date,
        stage_id,
        stage_code,
        amount,
        expected_close_date,
        status,
        change_seq
    from changes
    qualify row_number() over (
        partition by project_id, cast(changed_at as date)
        order by change_number desc
    ) = 1

),

final as (

    select
        *,
        lead(valid_from_date) over (
            partition by project_id order by valid_from_date
        ) as valid_to_date
    from end_of_day

)

select * from final
