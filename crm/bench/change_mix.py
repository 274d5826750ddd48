"""A realistic burst of entries through the domain commands, for refresh benchmarks:
stage moves, forecast changes, expenses, visits and closes on open projects, each made
by the project's owner."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from ingest.commands.activities import ActivityInput, create_activity
from ingest.commands.base import CommandError
from ingest.commands.expenses import ExpenseInput, create_expense
from ingest.commands.projects import change_forecast, close_lost, move_stage
from ingest.store.db import get_engine, read_session
from ingest.store.models import Project, Stage


def apply_changes(count: int, engine: Engine | None = None, seed: int = 1) -> int:
    """Make `count` successful changes (a refused one, e.g. a move to the current stage,
    is not a change and is replaced by the next); returns how many were made."""
    engine = engine or get_engine()
    rng = random.Random(seed)
    with read_session(engine) as session:
        open_projects = session.execute(
            select(Project.id, Project.owner_id, Project.sales_mode_id)
            .where(Project.status == "open")
            .order_by(Project.id)
            .limit(count * 3 + 1)
        ).all()
        stages: dict[int, list[str]] = {}
        for mode_id, code in session.execute(
            select(Stage.sales_mode_id, Stage.code).where(Stage.is_won_stage.is_(False))
        ):
            stages.setdefault(mode_id, []).append(code)
    projects = open_projects[: count * 2]
    # projects are closed only while more than three bursts' worth stay open: any number of
    # bursts finds open projects to change
    may_close = len(open_projects) > count * 3
    today = dt.date.today()
    made = n = 0
    while made < count and n < count * 3:
        project_id, owner_id, mode_id = projects[n % len(projects)]
        n += 1
        action = n % 5
        try:
            if action == 4 and not may_close:
                action = 1
            if action == 0:
                move_stage(engine, owner_id, project_id, rng.choice(stages[mode_id]))
            elif action == 1:
                change_forecast(
                    engine, owner_id, project_id, expected_amount=rng.randrange(100_000, 5_000_000)
                )
            elif action == 2:
                create_expense(
                    engine,
                    owner_id,
                    ExpenseInput(
                        category="travel",
                        amount="880.00",
                        incurred_date=today,
                        project_id=project_id,
                    ),
                )
            elif action == 3:
                create_activity(
                    engine,
                    owner_id,
                    ActivityInput(
                        activity_type="visit",
                        subject="拜访客户",
                        project_id=project_id,
                        status="done",
                    ),
                )
            else:
                close_lost(engine, owner_id, project_id, "price_too_high")
        except CommandError:
            continue  # e.g. the random stage was the current one: not a change
        made += 1
    return made
