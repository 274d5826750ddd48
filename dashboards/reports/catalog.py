"""The reports there are, the names they answer to, and how one is built.

Each report belongs to a dashboard page (whose row-level security it inherits) and has a
builder module that turns the filters into tables (dashboards.reports.sales_forecast,
.project_costs, .customer_costs). Writing them to a file is dashboards.reports.files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dashboards.reports import customer_costs, project_costs, sales_forecast
from dashboards.reports.labels import text
from dashboards.reports.model import Report, Table
from dashboards.reports.source import Source, header, open_source
from ingest.commands.base import Actor
from ingest.messages import LOCALES
from warehouse.scope import Filters


@dataclass(frozen=True)
class Kind:
    name: str
    page: str  # the dashboard page whose visibility rules the report follows
    build: Callable[[Source, Filters], list[Table]]
    # the filters as the report reads them (a forecast looks ahead from the data's month)
    prepare: Callable[[Source, Filters], Filters] = lambda _source, f: f


REPORTS = {
    "sales_forecast": Kind(
        "sales_forecast", "forecast", sales_forecast.build, sales_forecast.from_this_month
    ),
    "project_costs": Kind("project_costs", "costs", project_costs.build),
    "customer_costs": Kind("customer_costs", "costs", customer_costs.build),
}
# What people call them: the survey's Chinese names, and with hyphens on the command line.
ALIASES = {
    "sales-forecast": "sales_forecast",
    "销售预测报表": "sales_forecast",
    "project-costs": "project_costs",
    "项目费用报表": "project_costs",
    "customer-costs": "customer_costs",
    "客户费用表": "customer_costs",
}


class UnknownReport(ValueError):
    def __init__(self, name: str) -> None:
        known = ", ".join(n.replace("_", "-") for n in REPORTS)
        super().__init__(f"no report named {name!r}: choose one of {known}")


def report_name(given: str) -> str:
    """The report's key for any name it answers to (UnknownReport otherwise)."""
    name = given.strip()
    name = ALIASES.get(name, ALIASES.get(name.lower(), name.lower()))
    if name not in REPORTS:
        raise UnknownReport(given)
    return name


def build_report(
    name: str, filters: Filters, actor: Actor, lang: str, now: dt.datetime | None = None
) -> Report:
    """The report `name` for these filters, as `actor` may see it, in `lang` (zh_CN, en).
    Raises warehouse.scope.NotAllowed when the actor may not open the report's page, and
    orchestration.snapshots.NoSnapshot before the first refresh."""
    kind = REPORTS[report_name(name)]
    lang = lang if lang in LOCALES else "zh_CN"
    source = open_source(actor, kind.page, lang)
    filters = kind.prepare(source, filters)
    generated_at = now or dt.datetime.now().astimezone()
    head = header(source, filters, actor, generated_at)
    return Report(
        name=kind.name,
        lang=lang,
        title=text(f"dash.report.{kind.name}", lang),
        as_of=source.as_of,
        filters=head["filters"],
        data_line=head["data_line"],
        unit_line=head["unit_line"],
        generated_at=generated_at,
        tables=kind.build(source, filters),
    )
