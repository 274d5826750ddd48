"""One account per role for demos and evaluation, with a published demo password."""

from __future__ import annotations

from sqlalchemy import Engine, select

from ingest.auth.passwords import DEMO_PASSWORD
from ingest.commands.users import UserInput, add_user
from ingest.store.db import get_engine, read_session
from ingest.store.models import User

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "ensure_demo_accounts"]

# username, display name, role, department, region, manager username, industries
DEMO_ACCOUNTS = [
    ("admin", "系统管理员", "admin", "industrial_it", None, None, []),
    ("exec", "张总", "executive", "industrial_it", None, None, []),
    ("head", "王小明", "department_head", "industrial_it", None, "exec", []),
    ("manager", "刘卫彤", "manager", "north", "north_china", "head", []),
    ("rep", "赵磊", "rep", "north", "north_china", "manager", ["power", "petrochemical"]),
    ("finance", "陈静", "finance", "contracts_orders", None, "exec", []),
    ("steward", "周敏", "data_steward", "marketing", None, "exec", []),
]


def ensure_demo_accounts(engine: Engine | None = None) -> list[tuple[str, str, str]]:
    """Create the missing demo accounts; returns (username, role, display name) for all."""
    engine = engine or get_engine()
    with read_session(engine) as session:
        ids = dict(session.execute(select(User.username, User.id)).all())
    for username, name, role, department, region, manager, industries in DEMO_ACCOUNTS:
        if username in ids:
            continue
        ids[username] = add_user(
            engine,
            None,
            UserInput(
                username=username,
                display_name=name,
                role=role,
                password=DEMO_PASSWORD,
                department=department,
                region=region,
                manager_id=ids.get(manager) if manager else None,
                industries=industries,
            ),
            source="demo",
        )
    return [(username, role, name) for username, name, role, *_ in DEMO_ACCOUNTS]
