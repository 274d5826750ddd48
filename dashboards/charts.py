"""Plotly figures of the dashboards, readable in Chinese and English.

Money reads the way each audience counts: 万 and 亿 in Chinese, thousands separators in
English. Plotly's d3 formats cannot express 万/亿, so money axes get explicit tick texts.
Every selectable trace carries its record key in `customdata[0]`, which the pages use to
drill down from a chart element to the records behind it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Fonts with CJK glyphs first: Chinese labels must not render as boxes.
FONT_FAMILY = (
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, "
    "WenQuanYi Micro Hei, sans-serif"
)
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"]


def money_text(value: Any, lang: str, *, places: int = 2) -> str:
    """1.23亿 / 4,560万 / 9,800 in Chinese; 123,456,789 in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    if lang != "en":
        size = abs(number)
        if size >= 1e8:
            return f"{number / 1e8:,.{places}f}亿"
        if size >= 1e4:
            return f"{number / 1e4:,.{places}f}万"
        return f"{number:,.0f}"
    return f"{number:,.0f}"


def rate_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value) * 100:.1f}%"


def number_text(value: Any, places: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{places}f}"


def _nice_ticks(high: float, count: int = 5) -> list[float]:
    if high <= 0 or math.isnan(high):
        return [0.0]
    raw = high / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(int(high // step) + 2)]


def money_axis(fig: go.Figure, values: Sequence[float], lang: str, axis: str = "yaxis") -> None:
    """Ticks in 万/亿 (zh) or with thousands separators (en) on a money axis."""
    finite = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    ticks = _nice_ticks(max(finite, default=0.0))
    fig.update_layout(
        {axis: {"tickvals": ticks, "ticktext": [money_text(v, lang, places=1) for v in ticks]}}
    )


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


def _hover_money(values: pd.Series, lang: str) -> list[str]:
    return [money_text(v, lang) for v in values]


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
                y=plain(rows.stage_name),
                orientation="h",
                name=labels["open_amount"],
                marker_color=PALETTE[0],
                customdata=list(
                    zip(
                        rows.stage_code,
                        rows.project_count,
                        _hover_money(rows.open_amount, lang),
                        strict=True,
                    )
                ),
                hovertemplate="%{y}<br>%{customdata[2]} · %{customdata[1]}<extra></extra>",
                text=[money_text(v, lang, places=1) for v in rows.open_amount],
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
    for column, label in series.items():
        values = frame[column].astype(float)
        text = _hover_money(values, lang) if money else [rate_text(v) for v in values]
        fig.add_trace(
            go.Scatter(
                x=plain(frame[x]),
                y=values,
                mode="lines+markers",
                name=label,
                customdata=list(zip(frame[key or x].astype(str), text, strict=True)),
                hovertemplate="%{x}<br>" + label + ": %{customdata[1]}<extra></extra>",
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
    horizontal: bool = False,
) -> go.Figure:
    """Grouped (or stacked) bars; `kind` is money, count, days or rate."""
    fig = go.Figure()
    for column, label in series.items():
        values = frame[column].astype(float)
        text = [_value_text(v, kind, lang) for v in values]
        axis_values = (
            {"y": values, "x": plain(frame[x])}
            if not horizontal
            else {"x": values, "y": plain(frame[x])}
        )
        fig.add_trace(
            go.Bar(
                **axis_values,
                orientation="h" if horizontal else "v",
                name=label,
                customdata=list(zip(frame[key].astype(str), text, strict=True)),
                hovertemplate=("%{y}" if horizontal else "%{x}")
                + "<br>"
                + label
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
    return _layout(fig, title)


def _value_text(value: float, kind: str, lang: str) -> str:
    if kind == "money":
        return money_text(value, lang)
    if kind == "rate":
        return rate_text(value)
    if kind == "days":
        return number_text(value, 1)
    return number_text(value)


def pareto(frame: pd.DataFrame, lang: str, title: str, labels: dict[str, str]) -> go.Figure:
    """Loss reasons: bars of lost projects, most frequent first, and the cumulative share."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        go.Bar(
            x=plain(frame.loss_reason_name),
            y=frame.lost_count,
            name=labels["lost_count"],
            customdata=list(
                zip(
                    frame.loss_reason_code,
                    frame.loss_reason_category,
                    _hover_money(frame.lost_amount, lang),
                    strict=True,
                )
            ),
            hovertemplate="%{x} (%{customdata[1]})<br>%{y} · %{customdata[2]}<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=plain(frame.loss_reason_name),
            y=frame.cumulative_share,
            name=labels["cumulative_share"],
            mode="lines+markers",
            customdata=list(zip(frame.loss_reason_code, strict=True)),
            hovertemplate="%{x}<br>%{y:.1%}<extra></extra>",
        ),
        secondary_y=True,
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], secondary_y=True)
    return _layout(fig, title)


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
                customdata=list(
                    zip(
                        [f"{m}|{category}" for m in rows.forecast_month.astype(str)],
                        _hover_money(rows.weighted_amount, lang),
                        strict=True,
                    )
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
                line={"dash": "dash", "color": "#333"},
                customdata=list(
                    zip(
                        targets.period_month.astype(str),
                        _hover_money(targets.target_amount, lang),
                        strict=True,
                    )
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
            annotation_text=f"{labels['average']} {rate_text(average)}",
        )
    fig.update_yaxes(tickformat=".0%")
    return _layout(fig, title)
