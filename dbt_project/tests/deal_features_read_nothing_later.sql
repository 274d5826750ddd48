-- A feature row whose day counts are negative read a row dated after its observation day.
select
    project_id,
    observed_on
from {{ ref('fct_deal_features') }}
where
    days_in_stage < 0
    or age_days < 0
    or days_since_activity < 0
    or observed_on > built_as_of
