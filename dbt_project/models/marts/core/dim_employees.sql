-- Employees (CRM users) with their department, manager and region.
with

users as (

    select * from {{ ref('stg_store__users') }}

),

departments as (

    select * from {{ ref('stg_store__departments') }}

),

regions as (

    select * from {{ ref('stg_store__regions') }}

),

final as (

    select
        users.user_id as employee_id,
        users.display_name as employee_name,
        users.username,
        users.role,
        departments.department_code,
        departments.department_name_zh,
        departments.department_name_en,
        users.manager_id,
        regions.region_code,
        users.is_active
    from users
    left join departments
        on users.department_id = departments.department_id
    left join regions
        on users.region_id = regions.region_id

)

select * from final
