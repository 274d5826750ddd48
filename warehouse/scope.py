"""The standard filters, who may see what, and how both become SQL conditions.

Row-level security lives here, not in the pages (docs/architecture.md §2.3, §10.2):
a rep sees only what they own, a manager what their team owns, department heads,
executives and admins everything; finance sees the cost pages only (all of them).
Every condition is a fixed SQL fragment with named parameters: filter values never
become SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ingest.commands.base import Actor

PAGES = (
    "pipeline",
    "velocity",
    "win_loss",
    "forecast",
    "costs",
    "leads",
    "scorecard",
    "health",
)
SEE_EVERYTHING = frozenset({"department_head", "executive", "admin"})
# Finance approves costs and sees every customer's and project's costs, nothing else.
FINANCE_PAGES = ("costs",)


class NotAllowed(PermissionError):
    """The actor's role may not open this page."""

    def __init__(self, page: str, role: str) -> None:
        super().__init__(f"role {role!r} may not open the {page} dashboard")
        self.page = page
        self.role = role


def pages_for(role: str) -> tuple[str, ...]:
    return FINANCE_PAGES if role == "finance" else PAGES


def check_page(actor: Actor, page: str) -> None:
    if page not in pages_for(actor.role):
        raise NotAllowed(page, actor.role)


@dataclass(frozen=True)
class Filters:
    """The standard filters of every page. None means "all"."""

    start: dt.date | None = None
    end: dt.date | None = None
    rep: int | None = None
    department: str | None = None
    region: str | None = None
    industry: str | None = None
    customer_type: str | None = None
    sales_mode: str | None = None

    def with_period(self, start: dt.date | None, end: dt.date | None) -> Filters:
        return replace(self, start=start, end=end)

    def as_params(self) -> dict[str, str]:
        """Query-string form (dates ISO); empty filters are left out."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Filters:
        """Parse query parameters; anything malformed is ignored rather than trusted."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = params.get(f.name)
            if raw in (None, ""):
                continue
            try:
                if f.name in ("start", "end"):
                    values[f.name] = dt.date.fromisoformat(str(raw))
                elif f.name == "rep":
                    values[f.name] = int(str(raw))
                else:
                    values[f.name] = str(raw)[:60]
            except ValueError:
                continue
        return cls(**values)


@dataclass(frozen=True)
class Scope:
    """Whose records the actor sees: None = everyone."""

    people: frozenset[int] | None


def team_of(actor_id: int, managers: Mapping[int, int | None]) -> frozenset[int]:
    """The actor and everyone below them in the reporting tree (any depth)."""
    reports: dict[int, list[int]] = {}
    for employee, manager in managers.items():
        if manager is not None:
            reports.setdefault(manager, []).append(employee)
    team, todo = {actor_id}, [actor_id]
    while todo:
        for report in reports.get(todo.pop(), []):
            if report not in team:
                team.add(report)
                todo.append(report)
    return frozenset(team)


def scope_for(actor: Actor, managers: Mapping[int, int | None]) -> Scope:
    if actor.is_system or actor.role in SEE_EVERYTHING or actor.role == "finance":
        return Scope(None)
    if actor.role == "manager":
        return Scope(team_of(actor.id, managers))  # type: ignore[arg-type]
    # reps and everyone else: what they own themselves
    return Scope(frozenset({actor.id}))  # type: ignore[arg-type]


@dataclass
class Where:
    """Collects SQL conditions and their named parameters for one query."""

    parts: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, condition: str, **params: Any) -> Where:
        self.parts.append(condition)
        self.params.update(params)
        return self

    def sql(self) -> str:
        return " and ".join(self.parts) if self.parts else "true"

    def owners(self, column: str, scope: Scope) -> Where:
        if scope.people is not None:
            self.add(f"list_contains($people, {column})", people=sorted(scope.people))
        return self

    def period(self, column: str, filters: Filters) -> Where:
        if filters.start is not None:
            self.add(f"{column} >= $start", start=filters.start)
        if filters.end is not None:
            self.add(f"{column} <= $end", end=filters.end)
        return self

    def dims(self, alias: str, filters: Filters, *, rep_column: str = "owner_id") -> Where:
        """The dimension filters on a table with the project dimension columns."""
        if filters.rep is not None:
            self.add(f"{alias}.{rep_column} = $rep", rep=filters.rep)
        for name, column in (
            ("department", "department_code"),
            ("region", "region_code"),
            ("industry", "industry_code"),
            ("customer_type", "customer_type"),
            ("sales_mode", "sales_mode_code"),
        ):
            value = getattr(filters, name)
            if value is not None:
                self.add(f"{alias}.{column} = ${name}", **{name: value})
        return self

    def projects(self, alias: str, filters: Filters, scope: Scope) -> Where:
        """Row-level security and dimension filters on a project-grain table."""
        return self.owners(f"{alias}.owner_id", scope).dims(alias, filters)
