-- 客户费用表: one row per customer, what was spent on it against what it signed.
-- Expenses count whether booked on the customer directly or on one of its projects.
with

customers as (

    select * from {{ ref('stg_store__customers') }}

),

expenses as (

    select
        customer_id,
        sum(amount) as expense_amount
    from {{ ref('fct_expenses') }}
    group by customer_id

),

projects as (

    select
        customer_id,
        count(case when status = 'won' then 1 end) as won_count,
        count(case when status = 'lost' then 1 end) as lost_count,
        sum(case when status = 'won' then won_amount else 0 end) as contract_amount,
        sum(case when status = 'lost' then expense_amount else 0 end) as lost_expense_amount
    from {{ ref('int_projects_enriched') }}
    group by customer_id

),

final as (

    select
        customers.customer_id,
        customers.customer_name,
        customers.owner_id,
        cast(coalesce(expenses.expense_amount, 0) as decimal(18, 2)) as expense_amount,
        cast(coalesce(projects.contract_amount, 0) as decimal(18, 2)) as contract_amount,
        cast(
            case
                when projects.contract_amount > 0
                    then {{ ratio_half_up('coalesce(expenses.expense_amount, 0)', 'projects.contract_amount') }}
            end as decimal(10, 4)
        ) as cost_to_revenue_ratio,
        coalesce(projects.won_count, 0) as won_count,
        coalesce(projects.lost_count, 0) as lost_count,
        cast(coalesce(projects.lost_expense_amount, 0) as decimal(18, 2)) as lost_expense_amount
    from customers
    left join expenses
        on customers.customer_id = expenses.customer_id
    left join projects
        on customers.customer_id = projects.customer_id

)

select * from final
