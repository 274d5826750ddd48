"""The report download buttons of the forecast and costs pages: Excel and PDF of each
report, built on click for the page's filters and the signed-in user's rights."""

from __future__ import annotations

import streamlit as st

from dashboards import ui
from dashboards.reports.catalog import build_report
from dashboards.reports.files import FORMATS, MEDIA_TYPES, file_name, render
from web.i18n import t

ICONS = {"xlsx": ":material/table_view:", "pdf": ":material/picture_as_pdf:"}


def report_downloads(ctx: ui.Context, *names: str) -> None:
    st.subheader(t("dash.report.downloads"))
    st.caption(t("dash.report.downloads.note"))
    for name in names:
        title = t(f"dash.report.{name}")
        for column, fmt in zip(st.columns(len(FORMATS)), FORMATS, strict=True):
            column.download_button(
                t(f"dash.report.download.{fmt}", name=title),
                data=lambda name=name, fmt=fmt: _file(ctx, name, fmt),
                file_name=file_name(name, ctx.freshness.as_of_date, fmt),
                mime=MEDIA_TYPES[fmt],
                key=f"report.{name}.{fmt}",
                on_click="ignore",
                icon=ICONS[fmt],
            )


def _file(ctx: ui.Context, name: str, fmt: str) -> bytes:
    return render(build_report(name, ctx.filters, ctx.actor, ctx.lang), fmt)
