-- Win rate per closing month, the standard dashboard dimensions and whether a decision
-- maker is mapped.
-- win rate = won ÷ (won + lost) closed in the period, by count and by amount.
with

closed as (

    select * from {{ ref('fct_win_loss') }}

),

final as (

    select
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date) as closed_month,
        owner_id,
        department_code,
        region_code,
        industry_code,
        customer_type,
        sales_mode_code,
        has_decision_maker,
        count(case when outcome = 'won' then 1 end) as won_count,
        count(case when outcome = 'lost' then 1 end) as lost_count,
        cast(sum(case when outcome = 'won' then amount else 0 end) as decimal(18, 2))
            as won_amount,
        cast(sum(case when outcome = 'lost' then amount else 0 end) as decimal(18, 2))
            as lost_amount,
        cast(
            count(case when outcome = 'won' then 1 end) * 1.0 / count(*) as decimal(5, 4)
        ) as win_rate_by_count,
        cast(
            case
                when sum(amount) > 0
                    then sum(case when outcome = 'won' then amount else 0 end) / sum(amount)
            end as decimal(5, 4)
        ) as win_rate_by_amount
    from closed
    group by 1, 2, 3, 4, 5, 6, 7, 8

)

select * from final
