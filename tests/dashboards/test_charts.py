"""Charts people can read: on every page, no two series of a chart share a colour, every
colour is from the colour-blind-safe palette, a category keeps its colour in both
languages, and long category labels (the loss reasons) are laid down and read whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ingest.commands.base import Actor
from tests.support.company import Company
from tests.support.signin import signed_in
from warehouse.queries import win_loss
from warehouse.scope import PAGES, Filters
from web import charts
from web.dashboard_strings import TEXTS

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")


def figures(company: Company, user_id: int, page: str, lang: str) -> list[dict[str, Any]]:
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, user_id, company.engine)
    at.session_state["i18n.language"] = lang
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def trace_colour(trace: dict[str, Any]) -> str:
    colour = trace.get("marker", {}).get("color") or trace.get("line", {}).get("color")
    assert isinstance(colour, str), trace.get("name")  # one colour per series, set by us
    return colour


@pytest.fixture(scope="module")
def executive(company: Company) -> int:
    with company.engine.connect() as conn:
        users = pd.read_sql_table("users", conn)
    return int(users[(users.role == "executive") & users.is_active].sort_values("id").id.iloc[0])


@pytest.mark.parametrize("page", PAGES)
def test_no_two_series_of_a_chart_share_a_colour(company, executive, page) -> None:
    allowed = {*charts.PALETTE, charts.TARGET_COLOUR}
    for figure in figures(company, executive, page, "zh_CN"):
        # one series may span panels (the funnel's sales modes): one colour per name
        pairs = {(trace.get("name"), trace_colour(trace)) for trace in figure["data"]}
        names = [name for name, _ in pairs]
        colours = [colour for _, colour in pairs]
        assert len(set(names)) == len(names), (page, pairs)  # a series has one colour
        assert len(set(colours)) == len(colours), (page, pairs)  # no two series share one
        assert set(colours) <= allowed, (page, colours)


def test_expense_categories_keep_their_colours_in_both_languages(company, executive) -> None:
    seen: dict[str, dict[str, str]] = {}
    for lang in ("zh_CN", "en"):
        categories = figures(company, executive, "costs", lang)[0]["data"]
        code_of = {
            texts[lang]: key.removeprefix("dash.category.")
            for key, texts in TEXTS.items()
            if key.startswith("dash.category.")
        }
        seen[lang] = {code_of[trace["name"]]: trace_colour(trace) for trace in categories}
    assert len(seen["zh_CN"]) == 8  # the demo company spends in all eight categories
    assert seen["zh_CN"] == seen["en"]
    assert all(seen["en"][code] == charts.CATEGORY_COLOURS[code] for code in seen["en"])


def test_loss_reasons_are_horizontal_and_read_whole(company, executive) -> None:
    lang = "en"
    pareto = figures(company, executive, "win_loss", lang)[1]
    bars = pareto["data"][0]
    assert bars["orientation"] == "h"
    reasons = win_loss.loss_reasons(Filters(), Actor(id=executive, role="executive"), lang)
    shown = [label.split("<br>") for label in bars["y"]]
    assert [" ".join(lines) for lines in shown] == [
        charts.plain(name) for name in reasons.loss_reason_name
    ]
    assert any(len(lines) > 1 for lines in shown)  # the long ones are wrapped, not cut
    assert all(len(line) <= charts.WRAP_AT for lines in shown for line in lines)


def test_colours_are_fixed_per_category_and_distinct_within_a_chart() -> None:
    assert charts.colours(["travel", "meals"]) == charts.colours(["meals", "travel"])[::-1]
    unknown = charts.colours([f"series{i}" for i in range(len(charts.PALETTE))])
    assert sorted(unknown) == sorted(charts.PALETTE)
    mixed = charts.colours(["series", "won_amount", "other_series"])
    assert mixed[1] == charts.CATEGORY_COLOURS["won_amount"]
    assert len(set(mixed)) == 3
