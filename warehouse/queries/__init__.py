"""The dashboards' queries, one module per page: every KPI, chart and table of every page.

Each function takes the standard `Filters` and the signed-in `Actor` and answers from the
published snapshot only (see warehouse.reader). Row-level security is applied here, in
SQL, for every number (warehouse.scope). KPIs are exact `Decimal`s; frames carry codes
and, where a `lang` is given, display names in that language.

Periods, page by page (shown on each page): pipeline KPIs, funnel, stuck and overdue
projects describe the pipeline as of the snapshot's date while the period drives the trend
and the changes between its two dates; stage velocity counts stage visits entered in the
period; win/loss projects closed in it; forecast close months and target months in it;
costs expenses incurred, contracts signed and projects closed in it; leads captured in
it; the scorecard all of these.
"""
