-- Customers as type-2 dimension: one row per version. The first version of a customer is
-- valid from its creation, so facts older than the warehouse still find a version.
with

versions as (

    {{ customer_versions() }}

),

final as (

    select
        versions.dbt_scd_id as customer_key,
        versions.customer_id,
        versions.customer_name,
        customer_types.customer_type_code as customer_type,
        industries.industry_code,
        regions.region_code,
        versions.status,
        versions.owner_id,
        versions.city,
        case
            when
                row_number() over (
                    partition by versions.customer_id order by versions.dbt_valid_from
                ) = 1
                then versions.created_at
            else versions.dbt_valid_from
        end as valid_from,
        versions.dbt_valid_to as valid_to,
        versions.dbt_valid_to is null as is_current
    from versions
    {{ join_customer_codes('versions') }}

)

select * from final
