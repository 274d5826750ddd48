"""用户与角色: accounts, roles, reporting lines and the industries a rep covers."""

import streamlit as st

from entry_app import ui
from entry_app.queries import reference, users
from ingest.commands.base import ROLES
from ingest.commands.users import UserInput, add_user, disable_user
from web.forms import EntryForm, run_action, show_flash
from web.i18n import t

actor = ui.actor()
lang = ui.lang()
st.title(t("page.admin_users"))

with ui.reading() as session:
    departments = reference.options(session, "department", lang)
    regions = reference.options(session, "region", lang)
    industries = reference.options(session, "industry", lang)
    managers = reference.user_options(
        session, roles=("manager", "department_head", "executive", "admin")
    )

with st.expander(t("admin.new_user")):
    with EntryForm("user_create") as form:
        username = form.widget(st.text_input, "username", "admin.username")
        display_name = form.widget(st.text_input, "display_name", "admin.display_name")
        role = ui.form_code_choice(form, "role", "admin.role", ROLES, "role")
        department = ui.form_choice(
            form, "department", "admin.department", departments, allow_none=True
        )
        region = ui.form_choice(form, "region", "lead.region", regions, allow_none=True)
        manager_id = ui.form_choice(
            form, "manager", "admin.manager", managers, error_field="manager_id", allow_none=True
        )
        covered = st.multiselect(
            t("admin.industries"),
            [code for code, _ in industries],
            format_func=dict(industries).get,
            key=form.key("industries"),
        )
        form.slot("industries")
        locale = st.radio(
            t("admin.locale"), ["zh_CN", "en"], key=form.key("locale"), horizontal=True
        )
        password = form.widget(st.text_input, "password", "admin.password", type="password")
        submitted = form.submit()
    if submitted:
        form.run(
            actor,
            add_user,
            UserInput(
                username=username,
                display_name=display_name,
                role=role,
                password=password,
                department=department,
                region=region,
                manager_id=manager_id,
                locale=locale,
                industries=covered,
            ),
            success=t("admin.user_saved"),
        )

st.subheader(t("admin.users"))
show_flash("user_disable")
search = st.text_input(t("common.search"), key="users.search")
with ui.reading() as session:
    result = users.users(session, lang, ui.list_request("users", search=search))
picked = ui.paged_table(
    "users",
    result,
    {
        "id": "common.id",
        "username": "admin.username",
        "display_name": "admin.display_name",
        "role": "admin.role",
        "department": "admin.department",
        "manager": "admin.manager",
        "is_active": "admin.active",
        "must_change_password": "admin.must_change_password",
    },
    formats={
        "role": lambda r: t(f"role.{r}"),
        "is_active": ui.yes_no,
        "must_change_password": ui.yes_no,
    },
    key="users.table",
    selectable=True,
)
if (
    picked is not None
    and st.button(t("admin.disable"), key="users.disable")
    and run_action(actor, "user_disable", disable_user, picked, success=t("admin.disabled"))
):
    st.rerun()
