"""The filter widgets' options (every dashboard page's sidebar) and employee names."""

from __future__ import annotations

from typing import Any

from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.queries.common import (
    managers,
)
from warehouse.scope import Where, scope_for


@reader.cached
def filter_options(snapshot: Snapshot, actor: Actor) -> dict[str, list[Any]]:
    """Values offered by the filter widgets: only reps the actor may see."""
    scope = scope_for(actor, managers())
    reps = Where().owners("employee_id", scope)
    reps.add("role in ('rep', 'manager')")
    options: dict[str, list[Any]] = {
        "rep": reader.rows(
            snapshot,
            "select employee_id, employee_name from dim_employees "
            f"where {reps.sql()} order by employee_name",
            reps.params,
        ),
        "department": reader.rows(
            snapshot,
            "select distinct department_code, department_name_zh, department_name_en "
            "from dim_employees where department_code is not null order by 1",
        ),
        "sales_mode": reader.rows(
            snapshot,
            "select distinct sales_mode_code, sales_mode_name_zh, sales_mode_name_en "
            "from dim_stages order by 1",
        ),
    }
    for name, column in (
        ("region", "region_code"),
        ("industry", "industry_code"),
        ("customer_type", "customer_type"),
    ):
        options[name] = [
            row[0]
            for row in reader.rows(
                snapshot,
                f"select distinct {column} from dim_customers where {column} is not null "
                "order by 1",
            )
        ]
    return options


@reader.cached
def employee_names(snapshot: Snapshot) -> dict[int, str]:
    return {
        int(e): n
        for e, n in reader.rows(snapshot, "select employee_id, employee_name from dim_employees")
    }
