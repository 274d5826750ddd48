"""参考数据: sales modes and their stages, loss reasons, lead sources and the other lookups.
Rows are switched off, never deleted (history keeps pointing at them)."""

import streamlit as st

from entry_app import ui
from entry_app.queries import reference
from ingest.commands.reference_admin import (
    StageInput,
    create_sales_mode_with_stages,
    upsert_lookup,
    upsert_stage,
)
from ingest.store.reference import FORECAST_CATEGORIES, LOSS_CATEGORIES
from web.forms import EntryForm
from web.i18n import t

KINDS = ("loss_reason", "lead_source", "industry", "region", "customer_type")

actor = ui.actor()
lang = ui.lang()
st.title(t("page.admin_reference"))
modes_tab, lookups_tab = st.tabs([t("admin.modes"), t("admin.kind")])

with modes_tab:
    with ui.reading() as session:
        modes = reference.lookup_options(session, reference.LOOKUPS["sales_mode"], lang)
    mode = ui.choose("admin.mode", modes, key="reference.mode")
    if mode is not None:
        with ui.reading() as session:
            stages = reference.stages_of(session, mode)
        ui.table(
            stages,
            {
                "stage_order": "admin.stage_order",
                "code": "common.code",
                "name_zh": "common.name_zh",
                "name_en": "common.name_en",
                "default_probability": "admin.probability",
                "forecast_category": "admin.forecast_category",
                "is_won_stage": "admin.is_won_stage",
                "is_active": "common.active",
            },
            formats={
                "forecast_category": ui.labelled("forecast"),
                "is_won_stage": ui.yes_no,
                "is_active": ui.yes_no,
            },
        )
        with EntryForm(f"stage_{mode}", heading="admin.stage_upsert") as form:
            code = form.widget(st.text_input, "code", "common.code")
            name_zh = form.widget(st.text_input, "name_zh", "common.name_zh")
            name_en = form.widget(st.text_input, "name_en", "common.name_en")
            order = form.widget(
                st.number_input,
                "order",
                "admin.stage_order",
                error_field="stage_order",
                min_value=1,
                max_value=99,
                step=1,
            )
            probability = form.widget(
                st.text_input, "probability", "admin.probability", error_field="default_probability"
            )
            category = ui.form_code_choice(
                form,
                "category",
                "admin.forecast_category",
                FORECAST_CATEGORIES,
                "forecast",
                error_field="forecast_category",
            )
            won = form.widget(st.checkbox, "won", "admin.is_won_stage", error_field="is_won_stage")
            active = st.checkbox(t("common.active"), value=True, key=form.key("active"))
            submitted = form.submit()
        if submitted:
            form.run(
                actor,
                upsert_stage,
                mode,
                code,
                name_zh,
                name_en,
                order,
                probability,
                category,
                is_won_stage=won,
                is_active=active,
                success=t("admin.stage_saved"),
            )
    with st.expander(t("admin.new_mode")):
        with EntryForm("mode_create") as form:
            code = form.widget(st.text_input, "code", "common.code")
            name_zh = form.widget(st.text_input, "name_zh", "common.name_zh")
            name_en = form.widget(st.text_input, "name_en", "common.name_en")
            text = form.widget(st.text_area, "stages", "admin.mode_stages", height=160)
            submitted = form.submit()
        if submitted:
            rows = [line.split(",") for line in text.splitlines() if line.strip()]
            stage_rows = [
                StageInput(
                    code=(cells + [""] * 5)[0].strip(),
                    name_zh=(cells + [""] * 5)[1].strip(),
                    name_en=(cells + [""] * 5)[2].strip(),
                    default_probability=(cells + [""] * 5)[3].strip(),
                    forecast_category=(cells + [""] * 5)[4].strip(),
                    is_won_stage=index == len(rows) - 1,
                )
                for index, cells in enumerate(rows)
            ]
            form.run(
                actor,
                create_sales_mode_with_stages,
                code,
                name_zh,
                name_en,
                stage_rows,
                success=t("admin.mode_saved"),
            )

with lookups_tab:
    kind = st.selectbox(
        t("admin.kind"), KINDS, format_func=ui.names(KINDS, "admin.kind."), key="reference.kind"
    )
    with ui.reading() as session:
        rows = reference.reference_rows(session, kind)
    columns = {
        "code": "common.code",
        "name_zh": "common.name_zh",
        "name_en": "common.name_en",
        "is_active": "common.active",
    }
    if kind == "loss_reason":
        columns["category"] = "admin.category"
    ui.table(
        rows,
        columns,
        formats={"is_active": ui.yes_no},
    )
    with EntryForm(f"lookup_{kind}", heading="admin.upsert") as form:
        code = form.widget(st.text_input, "code", "common.code")
        name_zh = form.widget(st.text_input, "name_zh", "common.name_zh")
        name_en = form.widget(st.text_input, "name_en", "common.name_en")
        extra = {}
        if kind == "loss_reason":
            extra["category"] = ui.form_choice(
                form,
                "category",
                "admin.category",
                [
                    (c, names[0] if lang == "zh_CN" else names[1])
                    for c, names in LOSS_CATEGORIES.items()
                ],
            )
        active = st.checkbox(t("common.active"), value=True, key=form.key("active"))
        submitted = form.submit()
    if submitted:
        form.run(
            actor,
            upsert_lookup,
            kind,
            code,
            name_zh,
            name_en,
            is_active=active,
            success=t("admin.reference_saved"),
            **extra,
        )
