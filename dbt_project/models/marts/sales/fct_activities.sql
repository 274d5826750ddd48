{{
    config(
        materialized='incremental',
        unique_key='activity_id',
        post_hook="{{ delete_rows_gone('activity_id', ref('stg_store__activities')) }}"
    )
}}
-- One row per activity (行动). activity_date: the day it was done, else the planned day.
with

activities as (

    select * from {{ ref('stg_store__activities') }}

),

final as (

    select
        activity_id,
        activity_type,
        owner_id,
        customer_id,
        project_id,
        contact_id,
        cast(coalesce(done_at, planned_at) as date) as activity_date,
        status = 'done' as is_done,
        planned_at,
        done_at,
        change_seq as source_change_seq
    from activities
    {% if is_incremental() %}
        where change_seq > (select coalesce(max(source_change_seq), 0) from {{ this }})
    {% endif %}

)

select * from final
