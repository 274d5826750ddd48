-- Every department paired with itself and each of its ancestors, so that a department's
-- figures can include its sub-departments.
with recursive

departments as (

    select * from {{ ref('stg_store__departments') }}

),

ancestry (department_id, ancestor_department_id, depth) as (

    select
        department_id,
        department_id as ancestor_department_id,
        0 as depth
    from departments

    union all

    select
        ancestry.department_id,
        departments.parent_id as ancestor_department_id,
        ancestry.depth + 1 as depth
    from ancestry
    inner join departments
        on ancestry.ancestor_department_id = departments.department_id
    where departments.parent_id is not null

),

final as (

    select
        ancestry.department_id,
        ancestry.ancestor_department_id,
        ancestors.department_code as ancestor_department_code,
        ancestry.depth
    from ancestry
    inner join departments as ancestors
        on ancestry.ancestor_department_id = ancestors.department_id

)

select * from final
