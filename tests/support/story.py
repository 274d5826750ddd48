"""A small sales story in a store: two customers, projects won, lost and open."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from ingest.commands.activities import ActivityInput, create_activity
from ingest.commands.customers import CustomerInput, create_customer
from ingest.commands.expenses import ExpenseInput, create_expense
from ingest.commands.projects import (
    CloseWonInput,
    ProjectInput,
    close_lost,
    close_won,
    create_project,
    move_stage,
)
from tests.support.org import Org

SET_ROLE = (
    "update users set role = '{role}', change_seq = (select value from change_counter) "
    "where username = 'rep2'"
)


def make_story(engine: Engine, org: Org) -> dict[str, int]:
    """Two customers; projects won, lost and open, with stage moves and expenses."""
    today = dt.date.today()
    customers = [
        create_customer(
            engine,
            org.rep,
            CustomerInput(
                name=name, customer_type="end_user", industry="power", region="north_china"
            ),
        )
        for name in ("华北电网", "京能集团")
    ]

    def project(name: str, customer: int, amount: str, mode: str = "si_supply") -> int:
        return create_project(
            engine,
            org.rep,
            ProjectInput(
                name=name,
                customer_id=customer,
                sales_mode=mode,
                expected_amount=amount,
                expected_close_date=today + dt.timedelta(days=60),
            ),
        )

    won = project("调度系统改造", customers[0], "1200000")
    move_stage(engine, org.rep, won, "si_presales_proposal")
    move_stage(engine, org.rep, won, "si_negotiation")
    close_won(engine, org.rep, won, CloseWonInput(amount="1150000", signed_date=today))
    lost = project("容错服务器采购", customers[1], "800000", "project_type")
    move_stage(engine, org.rep, lost, "pt_tender")
    close_lost(engine, org.rep, lost, "price_too_high")
    open_one = project("SCADA升级", customers[1], "500000")
    move_stage(engine, org.rep, open_one, "si_proposal_delivered")
    for amount, project_id in (("1200.50", won), ("800", lost), ("99.50", open_one)):
        create_expense(
            engine,
            org.rep,
            ExpenseInput(
                category="travel", amount=amount, incurred_date=today, project_id=project_id
            ),
        )
    create_activity(
        engine,
        org.rep,
        ActivityInput(
            activity_type="visit", subject="现场拜访", project_id=open_one, status="done"
        ),
    )
    return {"won": won, "lost": lost, "open": open_one}
