-- What lost deals cost: per closing month, loss reason and primary competitor, how many
-- projects were lost, their amount and the expenses spent on them.
with

lost as (

    select * from {{ ref('fct_win_loss') }}
    where outcome = 'lost'

),

final as (

    select
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date) as closed_month,
        loss_reason_code,
        loss_reason_category,
        competitor_id,
        count(*) as lost_count,
        cast(sum(amount) as decimal(18, 2)) as lost_amount,
        cast(sum(expense_amount) as decimal(18, 2)) as expense_amount
    from lost
    group by 1, 2, 3, 4

)

select * from final
