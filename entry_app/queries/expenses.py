"""A rep's own expenses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from entry_app.queries.common import ListRequest, Page, page
from ingest.commands.base import Actor
from ingest.store.models import (
    Customer,
    Expense,
    ExpenseReport,
    Project,
)


def expenses(
    session: Session, actor: Actor, asked: ListRequest = ListRequest(), *, unclaimed: bool = False
) -> Page:
    query = (
        select(
            Expense.id,
            Expense.category,
            Expense.amount,
            Expense.incurred_date,
            Expense.description,
            Project.name.label("project"),
            Customer.name.label("customer"),
            ExpenseReport.report_no,
        )
        .outerjoin(Project, Project.id == Expense.project_id)
        .outerjoin(Customer, Customer.id == Expense.customer_id)
        .outerjoin(ExpenseReport, ExpenseReport.id == Expense.report_id)
        .where(Expense.owner_id == actor.id)
        .order_by(Expense.id.desc())
    )
    if unclaimed:
        query = query.where(Expense.report_id.is_(None))
    return page(session, query, asked)
