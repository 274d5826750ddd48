"""Plotly figures of the dashboards, readable in Chinese and English.

Numbers read the way each audience counts (web.numbers): 万 and 亿 in Chinese, K/M/B
in English, on axes, bar labels and hovers; a hover adds the exact figure. Plotly's d3
formats cannot express 万/亿, so money axes get explicit tick texts.

Colours come from one colour-blind-safe palette (Okabe-Ito), and a category keeps its
colour on every page (travel expenses, the commit forecast, won amounts ...); within a
chart no two series share one. Category labels longer than a bar's room turn the bars
horizontal, so a label is read whole instead of rotated and cut.

Every selectable trace carries its record key in `customdata[0]`, which the pages use to
drill down from a chart element to the records behind it.
"""

from __future__ import annotations

import html
import math
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from web import numbers

# Fonts with CJK glyphs first: Chinese labels must not render as boxes.
FONT_FAMILY = (
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, "
    "WenQuanYi Micro Hei, sans-serif"
)
# Okabe-Ito's colour-blind-safe colours, strongest first, and a neutral grey.
PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#999999",  # grey
]
BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, GREY = PALETTE
TARGET_COLOUR = "#333333"  # the target line, apart from every category
# The same category in the same colour on every page (keys: codes and series columns).
CATEGORY_COLOURS = {
    # expense categories
    "travel": BLUE,
    "accommodation": ORANGE,
    "meals": GREEN,
    "entertainment": VERMILLION,
    "transport": SKY,
    "gifts": PURPLE,
    "bidding": YELLOW,
    "other": GREY,
    # forecast categories
    "commit": GREEN,
    "best_case": SKY,
    "pipeline": GREY,
    # outcomes and the amounts of each
    "won": GREEN,
    "won_amount": GREEN,
    "lost": VERMILLION,
    "lost_count": VERMILLION,
    "expense_amount": VERMILLION,
    "total_expense_amount": VERMILLION,
    "budget_amount": GREY,
    "contract_amount": BLUE,
    "open_amount": BLUE,
    "weighted_amount": ORANGE,
    "forecast_weighted_amount": ORANGE,
}
# A bar's category label longer than this (in display columns, a CJK character being two)
# turns the bars horizontal; a horizontal label wraps at WRAP_AT.
LONG_LABEL = 14
WRAP_AT = 22


def colours(keys: Sequence[str]) -> list[str]:
    """One colour per series of a chart: its category's own colour; a series without one
    takes the first palette colour no other series of the chart has or claims. No two
    series share a colour while the palette lasts (no chart has more than eight)."""
    claimed = {CATEGORY_COLOURS[key] for key in keys if key in CATEGORY_COLOURS}
    chosen: list[str] = []
    for key in keys:
        colour = CATEGORY_COLOURS.get(key)
        if colour is None or colour in chosen:
            unused = [c for c in PALETTE if c not in chosen]
            colour = next((c for c in unused if c not in claimed), None) or (
                unused[0] if unused else PALETTE[len(chosen) % len(PALETTE)]
            )
        chosen.append(colour)
    return chosen


def money_text(value: Any, lang: str) -> str:
    """An amount as charts and KPI cards show it (web.numbers.money)."""
    return numbers.money(value, lang)


def rate_text(value: Any) -> str:
    return numbers.rate(value)


def number_text(value: Any, lang: str, places: int = 0) -> str:
    return numbers.count(value, lang, places)


def hover_money(value: Any, lang: str) -> str:
    """The compact figure and, when it is rounded, the exact one: 34.1亿 (3,412,345,678)."""
    short, full = numbers.money(value, lang), numbers.exact(value, lang, places=0)
    return short if short == full else f"{short} ({full})"


def _nice_ticks(high: float, count: int = 5) -> list[float]:
    if high <= 0 or math.isnan(high):
        return [0.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(high // step) + 2)]


def money_axis(fig: go.Figure, values: Sequence[float], lang: str, axis: str = "yaxis") -> None:
    """Ticks in 万/亿 (zh) or K/M/B (en) on a money axis."""
    finite = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    ticks = _nice_ticks(max(finite, default=0.0))
    fig.update_layout({axis: {"tickvals": ticks, "ticktext": [money_text(v, lang) for v in ticks]}})


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int = WRAP_AT) -> str:
    """A label in lines of at most `width` display columns, joined with Plotly's <br>:
    English breaks between words, Chinese between characters. Escaped first (`plain`)."""
    if _columns(text) <= width:
        return plain(text)
    if " " in text.strip():
        lines = textwrap.wrap(text, width=width, break_long_words=True)
    else:
        lines, line = [], ""
        for character in text:
            if line and _columns(line + character) > width:
                lines.append(line)
                line = ""
            line += character
        lines.append(line)
    return "<br>".join(plain(line) for line in lines)


def _long_labels(values: Any) -> bool:
    """Names too long for a vertical bar (months and numbers are never)."""
    return any(isinstance(v, str) and _columns(v) > LONG_LABEL for v in values)


def _row_height(labels: Sequence[str], bars_per_row: int = 1) -> int:
    """Pixels per category of horizontal bars: its label's lines, or its bars, whichever
    needs more."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return max(16 * lines + 10, 16 + 10 * bars_per_row)


def plain(values: Any) -> Any:
    """Names as Plotly shows them: it draws labels, titles and hover text as a little HTML
    (<b>, <a href>, <br>), so a user's `<`, `>` and `&` go as entities, shown as typed.
    Dates and numbers pass unchanged; a Series stays a Series (its index kept)."""
    if isinstance(values, pd.Series):
        return values.map(lambda v: html.escape(v, quote=False) if isinstance(v, str) else v)
    if isinstance(values, str):
        return html.escape(values, quote=False)
    return [plain(v) for v in values]


def _layout(fig: go.Figure, title: str, *, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": plain(title), "font": {"size": 15}},
        font={"family": FONT_FAMILY, "size": 12},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        colorway=PALETTE,
        clickmode="event+select",
    )
    return fig


def _customdata(*columns: Any) -> list[tuple[Any, ...]]:
    """One tuple a point of the columns a hover template (`%{customdata[i]}`) or a click
    reads, the columns of equal length."""
    return list(zip(*columns, strict=True))


def _hover_money(values: pd.Series, lang: str) -> list[str]:
    return [hover_money(v, lang) for v in values]


def funnel(frame: pd.DataFrame, lang: str, title: str, labels: dict[str, str]) -> go.Figure:
    """One horizontal funnel of open amount per sales mode (stages top to bottom)."""
    modes = list(dict.fromkeys(frame.sales_mode_code))
    fig = make_subplots(
        rows=1,
        cols=max(len(modes), 1),
        subplot_titles=[
            plain(frame[frame.sales_mode_code == m].sales_mode_name.iloc[0]) for m in modes
        ],
        horizontal_spacing=0.12,
    )
    for i, mode in enumerate(modes, start=1):
        rows = frame[frame.sales_mode_code == mode].sort_values("stage_order", ascending=False)
        fig.add_trace(
            go.Bar(
                x=rows.open_amount.astype(float),
                y=[wrap(name) for name in rows.stage_name],
                orientation="h",
                name=labels["open_amount"],
                marker_color=CATEGORY_COLOURS["open_amount"],
                customdata=_customdata(
                    rows.stage_code,
                    rows.project_count,
                    _hover_money(rows.open_amount, lang),
                ),
                hovertemplate="%{y}<br>%{customdata[2]} · %{customdata[1]}<extra></extra>",
                text=[money_text(v, lang) for v in rows.open_amount],
                textposition="auto",
                showlegend=False,
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(showticklabels=False, row=1, col=i)
    return _layout(fig, title)


def lines(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    lang: str,
    title: str,
    *,
    money: bool = True,
    key: str | None = None,
) -> go.Figure:
    """One line per column of `series` (column → legend label)."""
    fig = go.Figure()
    for (column, label), colour in zip(series.items(), colours(list(series)), strict=True):
        values = frame[column].astype(float)
        text = _hover_money(values, lang) if money else [rate_text(v) for v in values]
        fig.add_trace(
            go.Scatter(
                x=plain(frame[x]),
                y=values,
                mode="lines+markers",
                name=label,
                line={"color": colour},
                marker={"color": colour},
                customdata=_customdata(frame[key or x].astype(str), text),
                hovertemplate="%{x}<br>" + plain(label) + ": %{customdata[1]}<extra></extra>",
            )
        )
    if money:
        money_axis(fig, [v for c in series for v in frame[c].astype(float)], lang)
    else:
        fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title)


def bars(
    frame: pd.DataFrame,
    x: str,
    series: dict[str, str],
    lang: str,
    title: str,
    *,
    key: str,
    kind: str = "money",
    stacked: bool = False,
    horizontal: bool | None = None,
) -> go.Figure:
    """Grouped (or stacked) bars; `kind` is money, count, days or rate. Long category
    labels (`horizontal` unset) lay the bars down, categories top to bottom."""
    if horizontal is None:
        horizontal = _long_labels(frame[x])
    categories = [wrap(str(v)) for v in frame[x]] if horizontal else plain(frame[x])
    fig = go.Figure()
    for (column, label), colour in zip(series.items(), colours(list(series)), strict=True):
        values = frame[column].astype(float)
        text = [_value_text(v, kind, lang) for v in values]
        axis_values = (
            {"y": values, "x": categories} if not horizontal else {"x": values, "y": categories}
        )
        fig.add_trace(
            go.Bar(
                **axis_values,
                orientation="h" if horizontal else "v",
                name=label,
                marker_color=colour,
                customdata=_customdata(frame[key].astype(str), text),
                hovertemplate=("%{y}" if horizontal else "%{x}")
                + "<br>"
                + plain(label)
                + ": %{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack" if stacked else "group")
    axis = "xaxis" if horizontal else "yaxis"
    if kind == "money":
        totals = frame[list(series)].astype(float)
        high = totals.sum(axis=1) if stacked else totals.max(axis=1)
        money_axis(fig, list(high), lang, axis)
    elif kind == "rate":
        fig.update_layout({axis: {"tickformat": ".0%"}})
    if not horizontal:
        return _layout(fig, title)
    fig.update_yaxes(autorange="reversed")  # the frame's first category on top
    per_category = _row_height(categories, 1 if stacked else len(series))
    return _layout(fig, title, height=max(380, 120 + per_category * len(frame)))


def _value_text(value: float, kind: str, lang: str) -> str:
    if kind == "money":
        return hover_money(value, lang)
    if kind == "rate":
        return rate_text(value)
    if kind == "days":
        return number_text(value, lang, 1)
    return number_text(value, lang)


def pareto(frame: pd.DataFrame, lang: str, title: str, labels: dict[str, str]) -> go.Figure:
    """Loss reasons, most frequent on top: horizontal bars of lost projects (their names
    read whole) and the cumulative share as a line against a percent axis above."""
    reasons = [wrap(str(name)) for name in frame.loss_reason_name]
    bar_colour, line_colour = colours(["lost_count", "cumulative_share"])
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=reasons,
            x=frame.lost_count,
            orientation="h",
            name=labels["lost_count"],
            marker_color=bar_colour,
            customdata=_customdata(
                frame.loss_reason_code,
                frame.loss_reason_category,
                _hover_money(frame.lost_amount, lang),
            ),
            hovertemplate="%{y} (%{customdata[1]})<br>%{x} · %{customdata[2]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=reasons,
            x=frame.cumulative_share,
            xaxis="x2",
            name=labels["cumulative_share"],
            mode="lines+markers",
            line={"color": line_colour},
            marker={"color": line_colour},
            customdata=_customdata(frame.loss_reason_code),
            hovertemplate="%{y}<br>%{x:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis2={
            "overlaying": "x",
            "side": "top",
            "tickformat": ".0%",
            "range": [0, 1.05],
            "dtick": 0.2,
            "showgrid": False,
        },
        yaxis={"autorange": "reversed"},
    )
    _layout(fig, title, height=max(380, 140 + _row_height(reasons) * len(frame)))
    fig.update_layout(margin={"t": 80})  # the title above the percent axis
    return fig


def target_bars(
    forecast: pd.DataFrame,
    targets: pd.DataFrame,
    lang: str,
    title: str,
    labels: dict[str, str],
    category_labels: dict[str, str],
) -> go.Figure:
    """Weighted forecast stacked by category per close month, with the month's target."""
    fig = go.Figure()
    for category in ("commit", "best_case", "pipeline"):
        rows = forecast[forecast.forecast_category == category]
        if rows.empty:
            continue
        fig.add_trace(
            go.Bar(
                x=rows.forecast_month,
                y=rows.weighted_amount.astype(float),
                name=category_labels.get(category, category),
                marker_color=CATEGORY_COLOURS[category],
                customdata=_customdata(
                    [f"{m}|{category}" for m in rows.forecast_month.astype(str)],
                    _hover_money(rows.weighted_amount, lang),
                ),
                hovertemplate="%{x|%Y-%m}<br>%{customdata[1]}<extra></extra>",
            )
        )
    if not targets.empty:
        fig.add_trace(
            go.Scatter(
                x=targets.period_month,
                y=targets.target_amount.astype(float),
                name=labels["target"],
                mode="lines+markers",
                line={"dash": "dash", "color": TARGET_COLOUR},
                marker={"color": TARGET_COLOUR},
                customdata=_customdata(
                    targets.period_month.astype(str),
                    _hover_money(targets.target_amount, lang),
                ),
                hovertemplate="%{x|%Y-%m}<br>%{customdata[1]}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    stacked = forecast.groupby("forecast_month").weighted_amount.sum().astype(float)
    money_axis(
        fig, [*stacked, *targets.get("target_amount", pd.Series(dtype=float)).astype(float)], lang
    )
    return _layout(fig, title)


def with_average(
    frame: pd.DataFrame,
    x: str,
    column: str,
    average: float | None,
    title: str,
    labels: dict[str, str],
    *,
    key: str,
) -> go.Figure:
    """Bars per rep of a rate, and the team's figure as a line across them."""
    values = frame[column].astype(float)
    fig = go.Figure(
        go.Bar(
            x=plain(frame[x]),
            y=values,
            name=labels["value"],
            marker_color=colours([column])[0],
            customdata=list(
                zip(frame[key].astype(str), [rate_text(v) for v in values], strict=True)
            ),
            hovertemplate="%{x}<br>%{customdata[1]}<extra></extra>",
        )
    )
    if average is not None:
        fig.add_hline(
            y=float(average),
            line_dash="dash",
            line_color=TARGET_COLOUR,
            annotation_text=plain(f"{labels['average']} {rate_text(average)}"),
        )
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title)


def reliability(
    frame: pd.DataFrame,
    labels: dict[str, str],
    title: str,
    axes: tuple[str, str],
    perfect: str,
) -> go.Figure:
    """A reliability curve: per method (`labels`: method → legend), the mean predicted
    probability of each band against the share of its deals won; the diagonal is a
    perfectly calibrated forecast. The hover gives the band's deal count."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name=plain(perfect),
            line={"color": GREY, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    for (method, label), colour in zip(labels.items(), colours(list(labels)), strict=True):
        rows = frame[frame["method"] == method]
        fig.add_trace(
            go.Scatter(
                x=rows["mean_predicted"].astype(float),
                y=rows["observed_rate"].astype(float),
                mode="lines+markers",
                name=plain(label),
                line={"color": colour},
                marker={"color": colour, "size": 7},
                customdata=_customdata(
                    [method] * len(rows),
                    [f"{int(n):,}" for n in rows["deals"]],
                ),
                hovertemplate=(
                    plain(label) + "<br>%{x:.0%} → %{y:.0%} (%{customdata[1]})<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title=plain(axes[0]), tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title=plain(axes[1]), tickformat=".0%", range=[0, 1])
    return _layout(fig, title)
