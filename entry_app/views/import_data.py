"""数据导入: `crm import` in the browser — upload a data file and its mapping, try a dry
run, read the report, then import."""

import tempfile
from pathlib import Path

import streamlit as st

from entry_app import ui
from ingest.importer import import_file
from web.i18n import t
from web.markdown import literal

actor = ui.actor()
lang = ui.lang()
st.title(t("page.import"))
st.caption(t("import.help"))

with st.form("import"):
    st.markdown(f"**{t('import.heading')}**")
    data = st.file_uploader(t("import.file"), type=["csv", "xlsx"], key="import.file")
    mapping = st.file_uploader(t("import.mapping"), type=["yaml", "yml"], key="import.mapping")
    dry_run = st.checkbox(t("import.dry_run"), value=True, key="import.dry_run")
    partial = st.checkbox(t("import.partial"), key="import.partial")
    submitted = st.form_submit_button(t("import.run"), type="primary")

if submitted:
    if data is None or mapping is None:
        st.error(t("import.need_files"))
        st.stop()
    # The importer reads paths (it sniffs encodings and opens Excel files itself).
    with tempfile.TemporaryDirectory() as folder:
        data_path = Path(folder) / Path(data.name).name
        mapping_path = Path(folder) / Path(mapping.name).name
        data_path.write_bytes(data.getvalue())
        mapping_path.write_bytes(mapping.getvalue())
        report = import_file(
            data_path,
            mapping_path,
            actor_id=actor.id,
            dry_run=dry_run,
            partial=partial,
            rejects=Path(folder) / "rejects.csv",
            locale=lang,
        )
        rejects = (Path(folder) / "rejects.csv").read_bytes() if report.rejected else None
    # The rejects file is offered as a download below, not as a server path.
    report.rejects_path = None
    st.subheader(t("import.report"))
    if report.ok:
        st.success(literal(report.lines(lang)[-1]))
    else:
        st.error(literal(report.lines(lang)[-1] if report.problems else report.lines(lang)[1]))
    st.code(report.text(lang), language=None)
    if rejects is not None:
        st.download_button("rejects.csv", rejects, file_name="rejects.csv", key="import.rejects")
