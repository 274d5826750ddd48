"""A report's words in its language, from the dashboards' string catalog (web.dashboard_strings),
read directly: reports are also written outside a Streamlit run (the CLI)."""

from __future__ import annotations

from typing import Any

from ingest.commands import expenses
from ingest.store import reference
from web.dashboard_strings import TEXTS

# Expense categories in the order the survey lists them (fct_expenses' accepted values).
EXPENSE_CATEGORIES = expenses.CATEGORIES
# Forecast categories, the surest first (how the forecast tables order them).
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")

CODES = {
    "region": {c: (zh, en) for c, zh, en in reference.REGIONS},
    "industry": {c: (zh, en) for c, zh, en in reference.INDUSTRIES},
    "customer_type": {c: (zh, en) for c, zh, en in reference.CUSTOMER_TYPES},
}


def text(key: str, lang: str, **params: Any) -> str:
    texts = TEXTS[key]
    template = texts["en"] if lang == "en" else texts["zh_CN"]
    return template.format(**params) if params else template


def code_name(kind: str, code: Any, lang: str) -> str:
    """A region, industry or customer type in words; an unknown code as it is."""
    if code is None:
        return ""
    names = CODES[kind].get(str(code))
    if names is None:
        return str(code)
    return names[1] if lang == "en" else names[0]


def category_name(category: str, lang: str) -> str:
    key = f"dash.category.{category}"
    return text(key, lang) if key in TEXTS else category


def forecast_category_name(category: str, lang: str) -> str:
    key = f"dash.forecast.{category}"
    return text(key, lang) if key in TEXTS else category


def status_name(status: str | None, lang: str) -> str:
    key = f"dash.report.status.{status}"
    return text(key, lang) if key in TEXTS else (status or "")
