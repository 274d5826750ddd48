"""The number formatter of both apps (web.numbers): compact figures read back within
the stated precision in Chinese and English, for negatives, zero, small and huge numbers;
exact figures read back exactly. The read-back below is independent of Babel: its own
table of units and its own parsing of the text."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web import numbers

UNITS = {
    "zh_CN": {"": 1, "万": 10**4, "亿": 10**8, "万亿": 10**12},
    "en": {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12},
}
SHAPE = re.compile(r"^(-?)(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d+))?(\D*)$")


def read_back(text: str, lang: str) -> tuple[Decimal, str, int]:
    """(number, unit, decimals shown) of a formatted figure."""
    match = SHAPE.match(text)
    assert match, text
    sign, whole, fraction, unit = match.groups()
    assert unit in UNITS[lang], (text, unit)
    digits = Decimal(whole.replace(",", "") + ("." + fraction if fraction else ""))
    value = digits * UNITS[lang][unit]
    return (-value if sign else value), unit, len(fraction or "")


amounts = st.decimals(
    min_value=Decimal("-1e15"),
    max_value=Decimal("1e15"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@given(value=amounts)
def test_compact_money_reads_back_within_half_a_percent(lang, value) -> None:
    text = numbers.money(value, lang)
    shown, unit, decimals = read_back(text, lang)
    if unit:
        bound = Decimal(str(numbers.RELATIVE_PRECISION)) * abs(value)
        assert abs(shown - value) <= bound, (value, text)
        mantissa = abs(shown) / UNITS[lang][unit]
        assert decimals <= (2 if mantissa < 10 else 1), text
        assert Decimal(1) <= mantissa < 10_000, text  # the largest unit that fits
    else:
        assert abs(value) < numbers.first_unit(lang) + 1, text
        assert abs(shown - value) <= Decimal("0.5"), (value, text)
    assert (shown < 0) == text.startswith("-")  # a sign only when it is kept


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@given(value=amounts)
def test_exact_figures_read_back_to_the_cent(lang, value) -> None:
    text = numbers.exact(value, lang)
    shown, unit, decimals = read_back(text, lang)
    assert unit == "" and decimals == 2
    assert shown == value


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@given(value=st.integers(min_value=-(10**13), max_value=10**13))
def test_counts_are_whole_below_ten_thousand_and_compact_above(lang, value) -> None:
    text = numbers.count(value, lang)
    shown, unit, _ = read_back(text, lang)
    if abs(value) < 10_000:
        assert (shown, unit) == (value, "")
        assert text == f"{value:,}"
    else:
        assert unit != ""
        assert abs(shown - value) <= Decimal("0.005") * abs(value)


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (3_412_345_678, "34.1亿", "3.41B"),
        (9_732_123, "973.2万", "9.73M"),
        (973_212, "97.3万", "973.2K"),
        (-3_412_345_678, "-34.1亿", "-3.41B"),
        (0, "0", "0"),
        (-0.3, "0", "0"),
        (9_800, "9,800", "9.8K"),
        (9_999.6, "1万", "10K"),  # rounded first, then given its unit
        (999_960, "100万", "1M"),  # 999.96K rounds to the next unit
        (1.5e13, "15万亿", "15T"),
        (1e20, "100000000万亿", "100000000T"),  # beyond the largest unit: still readable back
    ],
)
def test_known_figures(value, zh, en) -> None:
    assert numbers.money(value, "zh_CN") == zh
    assert numbers.money(value, "en") == en


def test_missing_values_and_rates() -> None:
    for missing in (None, float("nan"), float("inf"), "n/a"):
        assert numbers.money(missing, "en") == numbers.MISSING
        assert numbers.exact(missing, "zh_CN") == numbers.MISSING
        assert numbers.rate(missing) == numbers.MISSING
    assert numbers.rate(0.4567) == "45.7%"
    assert numbers.exact(3_190_712_345.675, "en") == "3,190,712,345.68"
    assert numbers.exact(-0.001, "zh_CN") == "0.00"
    assert numbers.count(12.25, "en", places=1) == "12.3"
    assert numbers.count(10.0, "zh_CN", places=1) == "10"


def test_the_project_amount_card_is_compact_with_the_exact_figure_in_its_help(
    app, store, company
) -> None:
    from ingest.store.db import read_session
    from ingest.store.models import Project
    from tests.support.scenery import build

    scenery = build(store, company)
    with read_session(store) as session:
        amount = session.get(Project, scenery.project_id).expected_amount
    for lang, label, exact in (
        ("en", "Expected amount (CNY)", "Exact figure: "),
        ("zh_CN", None, "精确值："),
    ):
        at = app(company.rep, lang=lang)
        at.session_state["workspace.project_id"] = scenery.project_id
        at.switch_page("views/project.py").run()
        assert not at.exception, at.exception
        card = next(m for m in at.metric if m.value == numbers.money(amount, lang))
        assert label is None or card.label == label
        assert card.help == f"{exact}{amount:,.2f}"
