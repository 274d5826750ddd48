"""Where a report reads from: one published snapshot, through the viewer's eyes.

A report is read from a single snapshot (opened once, read-only, via warehouse.reader),
so its tables never mix two refreshes, and under the same row-level security as the
dashboard page it belongs to (warehouse.scope): a rep's report holds their own records,
a manager's their team's, and a role that may not open the page may not have its report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dashboards.reports.labels import code_name, text
from ingest.commands.base import Actor
from orchestration.snapshots import Snapshot
from warehouse import reader
from warehouse.scope import Filters, Scope, check_page, scope_for


@dataclass(frozen=True)
class Source:
    snapshot: Snapshot
    scope: Scope
    lang: str

    @property
    def as_of(self) -> dt.date:
        return dt.date.fromisoformat(self.snapshot.as_of_date)

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Exact values: DECIMAL stays Decimal, so totals are right to the fen."""
        return reader.rows(self.snapshot, sql, params)

    def names(self, sql: str, params: dict[str, Any] | None = None) -> dict[Any, str]:
        return {key: name for key, name in self.rows(sql, params)}


def open_source(actor: Actor, page: str, lang: str) -> Source:
    """The snapshot in service and what `actor` may see on `page` (NotAllowed if nothing)."""
    check_page(actor, page)
    snapshot = reader.current()
    managers = {
        int(e): (None if m is None else int(m))
        for e, m in reader.rows(snapshot, "select employee_id, manager_id from dim_employees")
    }
    return Source(snapshot, scope_for(actor, managers), lang)


def header(source: Source, f: Filters, actor: Actor, generated_at: dt.datetime) -> dict[str, Any]:
    """The report's header: its filters in words and the data's date."""
    lang = source.lang
    everything = text("dash.filter.all", lang)
    if f.start is None and f.end is None:
        period = text("dash.report.period.all", lang)
    else:
        period = text(
            "dash.report.period.range",
            lang,
            start=f.start.isoformat() if f.start else "…",
            end=f.end.isoformat() if f.end else "…",
        )
    filters = [(text("dash.report.period", lang), period)]
    employees = source.names("select employee_id, employee_name from dim_employees")
    named = {
        "rep": employees.get(f.rep, str(f.rep)) if f.rep is not None else None,
        "department": _dimension_name(source, f.department, "dim_employees", "department"),
        "region": code_name("region", f.region, lang) if f.region else None,
        "industry": code_name("industry", f.industry, lang) if f.industry else None,
        "customer_type": (
            code_name("customer_type", f.customer_type, lang) if f.customer_type else None
        ),
        "sales_mode": _dimension_name(source, f.sales_mode, "dim_stages", "sales_mode"),
    }
    for name in ("rep", "region", "industry"):  # always shown: the survey's three filters
        filters.append((text(f"dash.filter.{name}", lang), named[name] or everything))
    for name in ("department", "customer_type", "sales_mode"):  # shown when chosen
        if named[name]:
            filters.append((text(f"dash.filter.{name}", lang), named[name]))
    if source.scope.people is None:
        viewer = text("dash.report.viewer.all", lang)
    else:
        viewer = employees.get(actor.id, actor.username)
    filters.append((text("dash.report.viewer", lang), viewer))
    snapshot = source.snapshot
    data_line = text(
        "dash.report.data_line",
        lang,
        as_of=snapshot.as_of_date,
        version=snapshot.version,
        published_at=snapshot.published_at[:19].replace("T", " "),
        generated_at=generated_at.strftime("%Y-%m-%d %H:%M"),
    )
    return {"filters": filters, "data_line": data_line, "unit_line": text("dash.report.unit", lang)}


def _dimension_name(source: Source, code: str | None, table: str, kind: str) -> str | None:
    """A department or sales mode in the report's language, read from the dimension that
    names it (`<kind>_code`, `<kind>_name_en|zh`); its code when unnamed."""
    if code is None:
        return None
    column = f"{kind}_name_en" if source.lang == "en" else f"{kind}_name_zh"
    found = source.rows(
        f"select any_value({column}) from {table} where {kind}_code = $code",
        {"code": code},
    )
    return (found[0][0] if found and found[0][0] else None) or code
