"""Readable numbers in a real browser (Debian's Chromium, headless).

Every dashboard page, in Chinese and in English, at 1280 and 1920 pixels wide: no KPI
value or label is cut (its text fits its box and its card), and the values are the
formatter's compact figures of the query module's numbers. The dashboards show neither
Streamlit's "Deploy" button nor its developer menu items, even opened from this machine
(where Streamlit's default would show them; the entry app: test_cockpit_screens.py). A
full-page screenshot per page, language and width is kept under tests/e2e/artifacts/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ingest.auth.sessions import open_session
from ingest.commands.base import Actor
from ingest.commands.users import set_locale
from tests.support.company import Company
from tests.support.streamlit_server import developer_items
from warehouse.queries import pipeline
from warehouse.scope import PAGES, Filters
from web import numbers
from web.routes import SESSION_COOKIE

WIDTHS = (1280, 1920)
LANGUAGES = ("zh_CN", "en")

# For each KPI value and label: is any box of its text narrower than the text (clipped,
# shown with an ellipsis), or does the text run past its card's right edge?
MEASURE_KPIS = """
() => Array.from(document.querySelectorAll(
  '[data-testid="stMetricValue"], [data-testid="stMetricLabel"]'
)).map(value => {
  const card = value.closest('[data-testid="stMetric"]') || value.parentElement;
  const edge = card.getBoundingClientRect().right;
  const boxes = [value, ...value.querySelectorAll('*')];
  return {
    text: value.innerText.trim(),
    clipped: boxes.some(box => box.scrollWidth > box.clientWidth + 1),
    past_card: boxes.some(box => box.getBoundingClientRect().right > edge + 1),
  };
})
"""


@pytest.fixture(scope="module")
def executive(company: Company) -> Actor:
    with company.engine.connect() as conn:
        users = pd.read_sql_table("users", conn)
    row = users[(users.role == "executive") & users.is_active].sort_values("id").iloc[0]
    return Actor(id=int(row.id), role="executive")


def _settle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=90_000)
    page.wait_for_timeout(300)


def _whole_page_screenshot(page: Any, path: Path) -> None:
    """The page top to bottom: Streamlit scrolls inside its main block, not the document,
    so the window is made as tall as that block for the shot, then set back."""
    viewport = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": min(int(height), 8000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    page.wait_for_timeout(300)


def _signed_in_tab(browser: Any, site: str, company: Company, actor: Actor, lang: str) -> Any:
    """A new browser session of the actor in a language (their saved locale)."""
    set_locale(company.engine, actor.id, actor.id, lang)
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    token = open_session(actor.id, engine=company.engine)
    context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": site}])
    page = context.new_page()
    page.set_default_timeout(90_000)
    return page


def test_no_kpi_value_is_cut_on_any_page_language_or_width(
    browser, site, company, executive, artifacts: Path
) -> None:
    cut: list[str] = []
    measured = 0
    try:
        for lang in LANGUAGES:
            page = _signed_in_tab(browser, site, company, executive, lang)
            for name in PAGES:
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                page.goto(f"{site}/{name}")
                page.wait_for_selector('[data-testid="stMetricValue"]')
                page.wait_for_selector(".js-plotly-plot")
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    _settle(page)
                    _whole_page_screenshot(page, artifacts / f"{name}-{lang}-{width}.png")
                    assert page.locator('[data-testid="stException"]').count() == 0, name
                    kpis = page.evaluate(MEASURE_KPIS)
                    assert len(kpis) >= 8, (name, lang, width)  # four cards or more
                    measured += len(kpis)
                    cut += [
                        f"{name} {lang} {width}px: {k['text']!r}"
                        for k in kpis
                        if k["clipped"] or k["past_card"]
                    ]
                if name == "pipeline":
                    _shows_compact_figures(page, executive, lang)
                # not the default page: opened by its address as the first request, it
                # shows Streamlit's "page not found" dialog over the menu (README, known)
                if (name, lang) == (PAGES[1], "zh_CN"):
                    assert "CRM 决策分析" in page.title()
                    assert developer_items(page) == []
            page.context.close()
    finally:
        set_locale(company.engine, executive.id, executive.id, "zh_CN")
    assert measured >= len(PAGES) * len(LANGUAGES) * len(WIDTHS) * 8
    assert not cut, "KPI values or labels cut:\n" + "\n".join(cut)


def _shows_compact_figures(page: Any, actor: Actor, lang: str) -> None:
    """The pipeline's money KPIs are the formatter's compact figures of the query
    module's numbers (万/亿 in Chinese, K/M/B in English)."""
    kpis = pipeline.pipeline_kpis(Filters(), actor, 60)
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    shown = [v.strip() for v in values]
    assert shown[1] == numbers.money(kpis["open_amount"], lang)
    assert shown[2] == numbers.money(kpis["weighted_amount"], lang)
    # read back independently of Babel: 33.4亿 is 33.4e8, 3.34B is 3.34e9, within 0.5 %
    value, unit = float(shown[1][:-1]), shown[1][-1]
    assert unit == ("亿" if lang == "zh_CN" else "B")
    read_back = value * (1e8 if unit == "亿" else 1e9)
    assert abs(read_back - float(kpis["open_amount"])) <= 0.005 * float(kpis["open_amount"])
