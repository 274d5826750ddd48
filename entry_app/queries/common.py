"""What every list shares: a page of rows with a capped count, search patterns, names
in the caller's language, and which projects an actor sees.

Every list is filtered, searched, ordered and paged in SQL (LIMIT/OFFSET, newest first by
primary key, which the index answers without sorting), and applies the same visibility
rules as the commands (`access.visible_*`), so a list on a store of a million projects
costs one page of rows. Counts stop at `COUNT_CAP`: "more than 10,000" is all a pager
needs, and an exact count of a million rows is the slowest query a list could ask.

Names of reference rows come back in the caller's language (`lang`), so pages only show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, or_, select, true
from sqlalchemy.orm import Session

from ingest.commands import access
from ingest.commands.base import Actor
from ingest.store.models import (
    Activity,
    Customer,
    Project,
    ProjectMember,
)

COUNT_CAP = 10_000
PAGE_SIZE = 20
DETAIL_ROWS = 50  # activities/expenses shown on a project page, newest first


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int  # exact up to COUNT_CAP
    capped: bool  # True when there are more than COUNT_CAP rows
    limit: int
    offset: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def localized_name(model: Any, lang: str) -> Any:
    return model.name_en if lang == "en" else model.name_zh


def like(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(columns: list[Any], text: str | None) -> ColumnElement[bool]:
    if not text or not text.strip():
        return true()
    pattern = like(text)
    return or_(*(column.like(pattern, escape="\\") for column in columns))


@dataclass(frozen=True)
class ListRequest:
    """What a page asks of a list: the search box, the status chosen (None or "" for all),
    only the actor's own rows, and which page. Every list query takes this one value
    rather than the same keyword arguments each; a list applies the parts it offers (its
    search columns, its status, its owner) and has no use for the rest."""

    search: str | None = None
    status: str | None = None
    mine: bool = False
    limit: int = PAGE_SIZE
    offset: int = 0


def page(session: Session, query: Select[Any], asked: ListRequest = ListRequest()) -> Page:
    """One page of `query` and its count, capped."""
    limit = max(1, min(asked.limit, 200))
    offset = max(0, asked.offset)
    rows = [dict(row._mapping) for row in session.execute(query.limit(limit).offset(offset))]
    counted = (
        query.with_only_columns(literal(1), maintain_column_froms=True)
        .order_by(None)
        .limit(COUNT_CAP + 1)
        .subquery()
    )
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    return Page(rows, min(total, COUNT_CAP), total > COUNT_CAP, limit, offset)


def filtered_page(
    session: Session,
    query: Select[Any],
    asked: ListRequest,
    *,
    search_in: Sequence[Any] = (),
    equal: Sequence[tuple[Any, Any]] = (),
) -> Page:
    """The steps every list takes after its SELECT and visibility rule: the search box over
    the `search_in` columns, each `(column, value)` filter the user set (a value of None or
    "" is a filter left unset), then the page `asked`."""
    if search_in:
        query = query.where(matches(list(search_in), asked.search))
    for column, value in equal:
        if value is not None and value != "":
            query = query.where(column == value)
    return page(session, query, asked)


def as_dicts(session: Session, query: Select[Any]) -> list[dict[str, Any]]:
    """Every row of `query` as a dict keyed by its column labels, as pages show them."""
    return [dict(row._mapping) for row in session.execute(query)]


def false_() -> ColumnElement[bool]:
    return literal(False)  # type: ignore[return-value]


def visible_projects(session: Session, actor: Actor) -> ColumnElement[bool]:
    """`access.visible_projects`, shaped for SQLite's planner on large stores: the owner
    index and the member index are each used, instead of a scan testing an OR per row."""
    if actor.is_system or actor.role in access.SEE_ALL_PROJECTS:
        return true()
    people = access.team_ids(session, actor) if actor.role == "manager" else {actor.id}
    return projects_of(people)


def projects_of(people: set[int]) -> ColumnElement[bool]:
    """Projects one of `people` owns or works on as a member."""
    owned = select(Project.id).where(Project.owner_id.in_(people))
    member = select(ProjectMember.project_id).where(ProjectMember.user_id.in_(people))
    return Project.id.in_(owned.union(member))


def own_activities(actor: Actor, *columns: Any) -> Select[Any]:
    """The actor's own activities with the names of the project and the customer each hangs
    on: what the activity list and the cockpit's due list both start from. `columns` come
    after the planned time, before the names."""
    return (
        select(
            Activity.id,
            Activity.activity_type,
            Activity.subject,
            Activity.planned_at,
            *columns,
            Project.name.label("project"),
            Customer.name.label("customer"),
        )
        .outerjoin(Project, Project.id == Activity.project_id)
        .outerjoin(Customer, Customer.id == Activity.customer_id)
        .where(Activity.owner_id == actor.id)
    )
