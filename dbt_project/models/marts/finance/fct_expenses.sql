{{
    config(
        materialized='incremental',
        unique_key='expense_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where expense_id not in (select expense_id from {{ ref('stg_store__expenses') }})"
    )
}}
-- One row per expense line, with the status of the reimbursement form it is on
-- ('unreported' while on none). Incremental by change sequence of the expense or its form.
with

expenses as (

    select * from {{ ref('stg_store__expenses') }}

),

reports as (

    select * from {{ ref('stg_store__expense_reports') }}

),

projects as (

    select
        project_id,
        customer_id
    from {{ ref('stg_store__projects') }}

),

final as (

    select
        expenses.expense_id,
        expenses.project_id,
        coalesce(expenses.customer_id, projects.customer_id) as customer_id,
        expenses.owner_id,
        expenses.category,
        cast(expenses.amount as decimal(18, 2)) as amount,
        expenses.incurred_date,
        expenses.report_id,
        coalesce(reports.status, 'unreported') as report_status,
        greatest(expenses.change_seq, coalesce(reports.change_seq, 0)) as source_change_seq
    from expenses
    left join reports
        on expenses.report_id = reports.report_id
    left join projects
        on expenses.project_id = projects.project_id
    {% if is_incremental() %}
        where
            greatest(expenses.change_seq, coalesce(reports.change_seq, 0))
            > (select coalesce(max(source_change_seq), 0) from {{ this }})
    {% endif %}

)

select * from final
