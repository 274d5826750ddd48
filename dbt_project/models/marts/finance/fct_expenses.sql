{{
    config(
        materialized='incremental',
        unique_key='expense_id',
        post_hook="{{ delete_rows_gone('expense_id', ref('stg_store__expenses')) }}"
    )
}}
-- One row per expense line, with the status of the reimbursement form it is on
-- ('unreported' while on none) and the dimensions of what it was spent on: the project's
-- when booked on one, else the customer's. Dashboards filter and secure expenses on these
-- columns without joining millions of lines to the projects on every question.
-- Incremental: a line is rebuilt when it, its form, its project or a customer behind it
-- changed since the newest change already built.
with

expenses as (

    select * from {{ ref('stg_store__expenses') }}

),

reports as (

    select * from {{ ref('stg_store__expense_reports') }}

),

projects as (

    select * from {{ ref('int_projects_enriched') }}

),

customers as (

    select
        customers.customer_id,
        customers.owner_id,
        regions.region_code,
        industries.industry_code,
        customer_types.customer_type_code as customer_type,
        customers.change_seq
    from {{ ref('stg_store__customers') }} as customers
    {{ join_customer_codes('customers') }}

),

{% if is_incremental() %}
watermark as (

    select coalesce(max(source_change_seq), 0) as change_seq from {{ this }}

),

changed_customers as (

    select customer_id from customers
    where change_seq > (select change_seq from watermark)

),

changed_projects as (

    -- a project's region and customer type are its customer's
    select project_id from projects
    where
        change_seq > (select change_seq from watermark)
        or customer_id in (select customer_id from changed_customers)

),

changed_reports as (

    select report_id from reports
    where change_seq > (select change_seq from watermark)

),

{% endif %}

touched as (

    select * from expenses
    {% if is_incremental() %}
        where
            change_seq > (select change_seq from watermark)
            or report_id in (select report_id from changed_reports)
            or project_id in (select project_id from changed_projects)
            or customer_id in (select customer_id from changed_customers)
    {% endif %}

),

final as (

    select
        touched.expense_id,
        touched.project_id,
        coalesce(touched.customer_id, projects.customer_id) as customer_id,
        touched.owner_id,
        touched.category,
        cast(touched.amount as decimal(18, 2)) as amount,
        touched.incurred_date,
        touched.report_id,
        coalesce(reports.status, 'unreported') as report_status,
        coalesce(projects.owner_id, customers.owner_id) as responsible_owner_id,
        projects.department_code,
        coalesce(projects.region_code, customers.region_code) as region_code,
        coalesce(projects.industry_code, customers.industry_code) as industry_code,
        coalesce(projects.customer_type, customers.customer_type) as customer_type,
        projects.sales_mode_code,
        projects.status as project_status,
        greatest(
            touched.change_seq,
            coalesce(reports.change_seq, 0),
            coalesce(projects.change_seq, 0),
            coalesce(project_customers.change_seq, 0),
            coalesce(customers.change_seq, 0)
        ) as source_change_seq
    from touched
    left join reports
        on touched.report_id = reports.report_id
    left join projects
        on touched.project_id = projects.project_id
    left join customers as project_customers
        on projects.customer_id = project_customers.customer_id
    left join customers
        on touched.customer_id = customers.customer_id

)

select * from final
