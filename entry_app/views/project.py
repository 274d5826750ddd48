"""项目工作台: one project — stage progress, 阶段升迁, amount and close date, history,
决策树, 竞争与合作, 报价单, 行动, 费用, 遇到的问题, the team, and the close dialogs."""

import datetime as dt
from types import SimpleNamespace

import streamlit as st

from entry_app import actions, ui
from entry_app.queries import cockpit, lists
from ingest.commands.activities import (
    ACTIVITY_TYPES,
    SEVERITIES,
    ActivityInput,
    create_activity,
    create_issue,
    resolve_issue,
)
from ingest.commands.base import CommandError
from ingest.commands.expenses import CATEGORIES, ExpenseInput, create_expense
from ingest.commands.project_links import (
    ATTITUDES,
    DECISION_ROLES,
    PARTNER_ROLES,
    QUOTE_STATUSES,
    THREAT_LEVELS,
    QuoteInput,
    QuoteLineInput,
    create_quote,
    set_contact_role,
    set_quote_status,
)
from ingest.commands.projects import (
    MEMBER_ROLES,
    CloseWonInput,
    add_member,
    change_forecast,
    close_lost,
    close_won,
    move_stage,
)
from ingest.store.models import Competitor, Partner
from orchestration.snapshots import NoSnapshot
from warehouse.queries import scores
from warehouse.scope import NotAllowed
from web.forms import EntryForm
from web.i18n import t
from web.markdown import literal
from web.scores import score_line

QUOTE_LINES = 3

actor = ui.actor()
lang = ui.lang()
st.title(t("page.project"))

RECENT_KEY = "workspace.opened"  # projects opened in this session, the latest first


def show_score(project_id: int) -> None:
    """The deal's win score from the published snapshot (as of its last refresh): nothing
    before the first refresh, for a deal scored in none, or for a role without the page."""
    try:
        deal = scores.deal_score(actor, project_id)
    except (NoSnapshot, NotAllowed):
        return
    if deal and (line := score_line(SimpleNamespace(**deal), ui.lang())):
        st.caption(line)


def label(row: dict) -> str:
    return f"#{row['id']} · {row['name']} · {row['customer']}"


def chose() -> None:
    """The finder's choice becomes the project shown, and the address says so."""
    picked = st.session_state.get("workspace.pick")
    if picked is not None:
        st.session_state["workspace.project_id"] = picked
        st.query_params["project"] = str(picked)


# A link (?project=N, from the home page or a dashboard) wins over the last project shown.
address = st.query_params.get("project", "")
if address.isdigit():
    st.session_state["workspace.project_id"] = int(address)
chosen = st.session_state.get("workspace.project_id")


def typed() -> None:
    """A project number typed into the search (#12 or 12) opens that project at once."""
    number = (st.session_state.get("workspace.search") or "").strip().lstrip("#")
    if number.isdigit() and len(number) < 19:
        st.session_state["workspace.project_id"] = int(number)
        st.query_params["project"] = number


finder, recent_column = st.columns([3, 2])
search = finder.text_input(t("ws.choose"), key="workspace.search", on_change=typed)
with ui.reading() as session:
    found = cockpit.find_projects(session, actor, search)
names = {row["id"]: label(row) for row in found}
offered = [row["id"] for row in found]
if chosen is not None and chosen not in offered:
    offered.insert(0, chosen)  # named by a link or picked before the search changed
st.session_state["workspace.pick"] = chosen if chosen in offered else None
finder.selectbox(
    t("ws.pick"),
    offered,
    index=None,
    format_func=lambda project_id: names.get(project_id, f"#{project_id}"),
    key="workspace.pick",
    placeholder=t("ws.no_match") if not offered else t("common.choose_record"),
    on_change=chose,
)
recent_box = recent_column.expander(t("ws.recent"), expanded=chosen is None)


def show_recent() -> None:
    """Filled once this run's project is known to be one the user may open."""
    with ui.reading() as session:
        recent = cockpit.recent_projects(session, actor, st.session_state.get(RECENT_KEY, []))
    with recent_box:
        if not recent:
            st.caption(t("common.empty"))
        for row in recent:
            st.page_link(
                "views/project.py",
                label=literal(label(row)),
                query_params={"project": str(row["id"])},
            )


if chosen is None:
    show_recent()
    st.info(t("common.choose_record"))
    st.stop()
project_id = int(chosen)
st.query_params["project"] = str(project_id)

try:
    with ui.reading() as session:
        project = lists.project(session, actor, project_id, lang)
        competitor_options = lists.named_options(session, Competitor)
        partner_options = lists.named_options(session, Partner)
        products = lists.product_options(session, lang)
        reasons = lists.options(session, "loss_reason", lang)
        contact_options = lists.contact_options(session, project["customer_id"])
        people = lists.user_options(session)
except CommandError:
    show_recent()
    st.error(t("ws.not_found"))
    st.stop()
opened = [project_id, *(p for p in st.session_state.get(RECENT_KEY, []) if p != project_id)]
st.session_state[RECENT_KEY] = opened[: cockpit.RECENT_PROJECTS]
show_recent()

is_open = project["status"] == "open"
can_work = project["can_work"] and is_open
version = project["version"]

# --- header ------------------------------------------------------------------------------

st.subheader(f"#{project['id']} {literal(project['name'])}")
facts = st.columns(4)  # a metric's value is Markdown too
facts[0].metric(t("project.customer"), literal(project["customer"]))
ui.money_card(facts[1], t("project.expected_amount"), project["expected_amount"])
facts[2].metric(t("project.expected_close_date"), ui.when(project["expected_close_date"]))
facts[3].metric(t("common.owner"), literal(project["owner"]))

stages = project["stages"]
current_index = next((i for i, stage in enumerate(stages) if stage["id"] == project["stage_id"]), 0)
st.caption(f"{t('project.sales_mode')}: {literal(project['sales_mode'])} · {t('ws.progress')}")
marks = []
for i, stage in enumerate(stages):
    if i < current_index or (project["status"] == "won" and i <= current_index):
        marks.append(f"✓ {literal(stage['name'])}")
    elif i == current_index:
        marks.append(f"**▶ {literal(stage['name'])}**")
    else:
        marks.append(f"○ {literal(stage['name'])}")
st.markdown(" → ".join(marks))
st.progress((current_index + 1) / max(len(stages), 1))
if is_open:
    show_score(project["id"])

if not is_open:
    status_text = ui.label("project_status", project["status"])
    if project["status"] == "lost":
        status_text += f" · {literal(project['loss_reason'])}"
        if project["loss_note"]:
            status_text += f" · {literal(project['loss_note'])}"
    st.info(t("ws.closed", status=status_text))
if project["contract"]:
    contract = project["contract"]
    st.success(
        t(
            "ws.contract",
            no=literal(contract["contract_no"]),
            date=ui.when(contract["signed_date"]),
            amount=ui.money(contract["amount"]),
        )
    )
if is_open and not project["can_work"]:
    st.caption(t("ws.read_only"))


# --- the close dialogs -------------------------------------------------------------------
# Which dialog is open lives in the session, so that a full rerun (not only the dialog's
# own) keeps it open until it succeeds or the user dismisses it.
DIALOG = "workspace.dialog"


def _close_dialog(*_: object) -> None:
    st.session_state.pop(DIALOG, None)


@st.dialog(t("ws.close_won"), on_dismiss=_close_dialog)
def close_won_dialog() -> None:
    quotes = [
        (q["id"], f"{q['quote_no']} · {ui.money(q['total_amount'])}") for q in project["quotes"]
    ]
    with EntryForm(f"close_won_{project_id}", border=False) as form:
        amount = st.text_input(
            t("ws.contract_amount"),
            value=str(project["expected_amount"]),
            key=form.key("amount"),
        )
        form.slot("amount")
        signed = st.date_input(t("ws.signed_date"), value=dt.date.today(), key=form.key("signed"))
        form.slot("signed_date")
        contract_no = st.text_input(t("ws.contract_no"), key=form.key("contract_no"))
        form.slot("contract_no")
        quote_id = ui.choose(
            "ws.quote_for_contract", quotes, key=form.key("quote_id"), allow_none=True
        )
        form.slot("quote_id")
        notes = st.text_area(t("common.notes"), key=form.key("notes"))
        form.slot("notes")
        submitted = form.submit(t("ws.close_won"))
    if submitted:
        form.run(
            actor,
            close_won,
            project_id,
            CloseWonInput(
                amount=amount,
                signed_date=signed,
                contract_no=contract_no or None,
                quote_id=quote_id,
                notes=notes or None,
            ),
            expected_version=version,
            success=t("ws.won"),
            on_success=_close_dialog,
        )


@st.dialog(t("ws.close_lost"), on_dismiss=_close_dialog)
def close_lost_dialog() -> None:
    with EntryForm(f"close_lost_{project_id}", border=False) as form:
        reason = ui.choose("ws.loss_reason", reasons, key=form.key("loss_reason"), allow_none=True)
        form.slot("loss_reason")
        note = st.text_area(t("ws.note"), key=form.key("note"))
        form.slot("note")
        closed = st.date_input(t("ws.closed_date"), value=dt.date.today(), key=form.key("closed"))
        form.slot("closed_date")
        submitted = form.submit(t("ws.close_lost"))
    if submitted:
        form.run(
            actor,
            close_lost,
            project_id,
            reason,
            note=note or None,
            closed_date=closed,
            expected_version=version,
            success=t("ws.lost"),
            on_success=_close_dialog,
        )


# --- the common actions: move stage, amount and date, close ------------------------------

if can_work:
    left, right = st.columns(2)
    with left:
        targets = [
            (stage["code"], stage["name"])
            for stage in stages
            if stage["id"] != project["stage_id"] and not stage["is_won_stage"]
        ]
        next_index = next(
            (
                i
                for i, (code, _) in enumerate(targets)
                if stages[min(current_index + 1, len(stages) - 1)]["code"] == code
            ),
            0,
        )
        with EntryForm(f"move_stage_{project_id}") as form:
            st.markdown(f"**{t('ws.move_stage')}**")
            stage_code = ui.choose(
                "ws.target_stage", targets, key=form.key("stage"), index=next_index
            )
            form.slot("stage")
            note = st.text_input(t("ws.note"), key=form.key("note"))
            form.slot("note")
            submitted = form.submit(t("ws.move_stage"))
        if submitted:
            names = dict(targets)
            form.run(
                actor,
                move_stage,
                project_id,
                stage_code,
                expected_version=version,
                note=note or None,
                success=t("ws.moved", stage=names.get(stage_code, "")),
            )
    with right:
        with EntryForm(f"forecast_{project_id}") as form:
            st.markdown(f"**{t('ws.forecast')}**")
            amount = st.text_input(
                t("project.expected_amount"),
                value=str(project["expected_amount"]),
                key=form.key("amount"),
            )
            form.slot("expected_amount")
            close_date = st.date_input(
                t("project.expected_close_date"),
                value=project["expected_close_date"],
                key=form.key("close_date"),
            )
            form.slot("expected_close_date")
            submitted = form.submit()
        if submitted:
            form.run(
                actor,
                change_forecast,
                project_id,
                expected_amount=amount,
                expected_close_date=close_date,
                expected_version=version,
                success=t("ws.forecast_saved"),
            )
    buttons = st.columns(2)
    if buttons[0].button(t("ws.close_won"), key="ws.open_won", icon=":material/handshake:"):
        st.session_state[DIALOG] = ("won", project_id)
    if buttons[1].button(t("ws.close_lost"), key="ws.open_lost", icon=":material/block:"):
        st.session_state[DIALOG] = ("lost", project_id)
    if st.session_state.get(DIALOG) == ("won", project_id):
        close_won_dialog()
    elif st.session_state.get(DIALOG) == ("lost", project_id):
        close_lost_dialog()

# --- what hangs on the project -----------------------------------------------------------

# Only the open tab runs (lazy tabs): the workspace stays one quick rerun however much
# hangs on the project.
TAB_KEYS = (
    "ws.tab.history",
    "ws.tab.contacts",
    "ws.tab.competition",
    "ws.tab.quotes",
    "ws.tab.activities",
    "ws.tab.expenses",
    "ws.tab.issues",
    "ws.tab.team",
)
tabs = st.tabs([t(key) for key in TAB_KEYS], key="workspace.tab", on_change="rerun")
with tabs[0]:
    if tabs[0].open:
        ui.table(
            project["history"],
            {
                "changed_at": "ws.when",
                "change_type": "ws.change",
                "from_stage": "ws.from_stage",
                "to_stage": "ws.to_stage",
                "amount": "common.amount",
                "expected_close_date": "project.expected_close_date",
                "note": "ws.note",
                "changed_by": "ws.by",
            },
            formats={
                "changed_at": ui.when,
                "change_type": lambda c: ui.label("change_type", c),
                "amount": ui.money,
                "expected_close_date": ui.when,
            },
        )

with tabs[1]:
    if tabs[1].open:
        ui.table(
            project["contacts"],
            {
                "name": "ws.contact",
                "title": "contact.title",
                "decision_role": "ws.decision_role",
                "attitude": "ws.attitude",
                "notes": "common.notes",
            },
            formats={
                "decision_role": lambda r: ui.label("decision_role", r),
                "attitude": lambda a: ui.label("attitude", a),
            },
        )
        if can_work:
            with EntryForm(f"contact_role_{project_id}") as form:
                contact_id = ui.choose("ws.contact", contact_options, key=form.key("contact_id"))
                form.slot("contact_id")
                role = ui.choose(
                    "ws.decision_role",
                    [(r, t(f"decision_role.{r}")) for r in DECISION_ROLES],
                    key=form.key("decision_role"),
                )
                form.slot("decision_role")
                attitude = ui.choose(
                    "ws.attitude",
                    [(a, t(f"attitude.{a}")) for a in ATTITUDES],
                    key=form.key("attitude"),
                    index=1,
                )
                form.slot("attitude")
                notes = st.text_input(t("common.notes"), key=form.key("notes"))
                form.slot("notes")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    set_contact_role,
                    project_id,
                    contact_id,
                    role,
                    attitude=attitude,
                    notes=notes or None,
                    success=t("ws.role_saved"),
                )

with tabs[2]:
    if tabs[2].open:
        ui.table(
            project["competitors"],
            {
                "name": "ws.competitor",
                "threat_level": "ws.threat",
                "is_primary": "ws.primary",
                "quoted_amount": "ws.quoted_amount",
                "notes": "common.notes",
            },
            formats={
                "threat_level": lambda v: ui.label("level", v),
                "is_primary": lambda v: t("common.yes") if v else t("common.no"),
                "quoted_amount": ui.money,
            },
        )
        if can_work:
            with EntryForm(f"competitor_{project_id}") as form:
                competitor_id = ui.choose(
                    "ws.competitor",
                    competitor_options,
                    key=form.key("competitor_id"),
                    allow_none=True,
                )
                form.slot("competitor_id")
                new_name = st.text_input(t("ws.new_competitor"), key=form.key("new_name"))
                form.slot("name")
                threat = ui.choose(
                    "ws.threat",
                    [(v, t(f"level.{v}")) for v in THREAT_LEVELS],
                    key=form.key("threat"),
                    index=1,
                )
                form.slot("threat_level")
                primary = st.checkbox(t("ws.primary"), key=form.key("primary"))
                quoted = st.text_input(t("ws.quoted_amount"), key=form.key("quoted"))
                form.slot("quoted_amount")
                notes = st.text_input(t("common.notes"), key=form.key("notes"))
                form.slot("notes")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    actions.link_competitor,
                    project_id,
                    competitor_id,
                    new_name,
                    threat_level=threat,
                    is_primary=primary,
                    quoted_amount=quoted,
                    notes=notes,
                    success=t("ws.competitor_saved"),
                )
        ui.table(
            project["partners"],
            {"name": "ws.partner", "partner_role": "ws.partner_role", "notes": "common.notes"},
            formats={"partner_role": lambda v: ui.label("partner_role", v)},
        )
        if can_work:
            with EntryForm(f"partner_{project_id}") as form:
                partner_id = ui.choose(
                    "ws.partner", partner_options, key=form.key("partner_id"), allow_none=True
                )
                form.slot("partner_id")
                new_partner = st.text_input(t("ws.new_partner"), key=form.key("new_name"))
                form.slot("name")
                partner_role = ui.choose(
                    "ws.partner_role",
                    [(v, t(f"partner_role.{v}")) for v in PARTNER_ROLES],
                    key=form.key("role"),
                )
                form.slot("partner_role")
                notes = st.text_input(t("common.notes"), key=form.key("notes"))
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    actions.link_partner,
                    project_id,
                    partner_id,
                    new_partner,
                    partner_role=partner_role,
                    notes=notes,
                    success=t("ws.partner_saved"),
                )

with tabs[3]:
    if tabs[3].open:
        for quote in project["quotes"]:
            st.markdown(
                f"**{literal(quote['quote_no'])}** · {ui.when(quote['quote_date'])} · "
                f"{ui.label('quote_status', quote['status'])} · {ui.money(quote['total_amount'])}"
            )
            ui.table(
                quote["lines"],
                {
                    "code": "common.code",
                    "product": "ws.product",
                    "quantity": "ws.quantity",
                    "unit_price": "ws.unit_price",
                    "discount_rate": "ws.discount",
                    "line_amount": "common.amount",
                },
                formats={"unit_price": ui.money, "line_amount": ui.money},
            )
        if project["can_work"] and project["quotes"]:
            with EntryForm(f"quote_status_{project_id}") as form:
                st.markdown(f"**{t('ws.quote_status')}**")
                quote_id = ui.choose(
                    "ws.quote_no",
                    [(q["id"], q["quote_no"]) for q in project["quotes"]],
                    key=form.key("quote_id"),
                )
                form.slot("quote_id")
                quote_status = ui.choose(
                    "common.status",
                    [(s, t(f"quote_status.{s}")) for s in QUOTE_STATUSES],
                    key=form.key("status"),
                )
                form.slot("status")
                submitted = form.submit()
            if submitted:
                form.run(actor, set_quote_status, quote_id, quote_status, success=t("common.saved"))
        if can_work:
            product_choices = [
                (code, f"{code} · {name} · {ui.money(price)}") for code, name, price in products
            ]
            with EntryForm(f"quote_{project_id}") as form:
                st.markdown(f"**{t('ws.quote_new')}**")
                valid_until = st.date_input(
                    t("ws.valid_until"),
                    value=dt.date.today() + dt.timedelta(days=30),
                    key=form.key("valid_until"),
                )
                form.slot("valid_until")
                lines = []
                for n in range(QUOTE_LINES):
                    columns = st.columns([4, 1, 2, 1])
                    with columns[0]:
                        product = ui.choose(
                            "ws.product",
                            product_choices,
                            key=form.key(f"product_{n}"),
                            allow_none=True,
                        )
                    quantity = columns[1].number_input(
                        t("ws.quantity"),
                        min_value=1,
                        value=1,
                        step=1,
                        key=form.key(f"quantity_{n}"),
                    )
                    price = columns[2].text_input(t("ws.unit_price"), key=form.key(f"price_{n}"))
                    discount = columns[3].text_input(
                        t("ws.discount"), key=form.key(f"discount_{n}")
                    )
                    form.slot(f"lines.{len(lines)}")
                    if product is not None:
                        lines.append(
                            QuoteLineInput(
                                product=product,
                                quantity=quantity,
                                unit_price=price or None,
                                discount_rate=discount or 0,
                            )
                        )
                form.slot("lines")
                notes = st.text_input(t("common.notes"), key=form.key("notes"))
                form.slot("notes")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    create_quote,
                    QuoteInput(
                        project_id=project_id,
                        valid_until=valid_until,
                        lines=lines,
                        notes=notes or None,
                    ),
                    success=t("ws.quote_saved"),
                )

with tabs[4]:
    if tabs[4].open:
        ui.table(
            project["activities"],
            {
                "activity_type": "activity.type",
                "subject": "activity.subject",
                "planned_at": "activity.planned_at",
                "done_at": "activity.done_at",
                "status": "common.status",
            },
            formats={
                "activity_type": lambda v: ui.label("activity_type", v),
                "planned_at": ui.when,
                "done_at": ui.when,
                "status": lambda v: ui.label("activity_status", v),
            },
        )
        if project["can_work"]:
            with EntryForm(f"ws_activity_{project_id}") as form:
                st.markdown(f"**{t('ws.activity_new')}**")
                kind = ui.choose(
                    "activity.type",
                    [(v, t(f"activity_type.{v}")) for v in ACTIVITY_TYPES],
                    key=form.key("type"),
                    index=1,
                )
                form.slot("activity_type")
                subject = st.text_input(t("activity.subject"), key=form.key("subject"))
                form.slot("subject")
                done = st.checkbox(t("activity.already_done"), value=True, key=form.key("done"))
                day = st.date_input(t("activity.planned_date"), key=form.key("day"))
                form.slot("planned_at")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    create_activity,
                    ActivityInput(
                        activity_type=kind,
                        subject=subject,
                        planned_at=None if done else dt.datetime.combine(day, dt.time(9)),
                        project_id=project_id,
                        status="done" if done else "planned",
                    ),
                    success=t("activity.saved"),
                )

with tabs[5]:
    if tabs[5].open:
        ui.table(
            project["expenses"],
            {
                "incurred_date": "expense.incurred_date",
                "category": "expense.category",
                "amount": "common.amount",
                "description": "common.description",
            },
            formats={
                "incurred_date": ui.when,
                "category": lambda v: t(f"expense_category_{v}"),
                "amount": ui.money,
            },
        )
        if project["can_work"]:
            with EntryForm(f"ws_expense_{project_id}") as form:
                st.markdown(f"**{t('ws.expense_new')}**")
                category = ui.choose(
                    "expense.category",
                    [(c, t(f"expense_category_{c}")) for c in CATEGORIES],
                    key=form.key("category"),
                )
                form.slot("category")
                amount = st.text_input(t("common.amount"), key=form.key("amount"))
                form.slot("amount")
                incurred = st.date_input(
                    t("expense.incurred_date"), value=dt.date.today(), key=form.key("date")
                )
                form.slot("incurred_date")
                description = st.text_input(t("common.description"), key=form.key("description"))
                form.slot("description")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    create_expense,
                    ExpenseInput(
                        category=category,
                        amount=amount,
                        incurred_date=incurred,
                        project_id=project_id,
                        description=description or None,
                    ),
                    success=t("expense.saved"),
                )

with tabs[6]:
    if tabs[6].open:
        ui.table(
            project["issues"],
            {
                "title": "ws.issue_title",
                "severity": "ws.severity",
                "status": "common.status",
                "resolution": "ws.resolution",
            },
            formats={
                "severity": lambda v: ui.label("level", v),
                "status": lambda v: ui.label("issue_status", v),
            },
        )
        if can_work:
            with EntryForm(f"issue_{project_id}") as form:
                st.markdown(f"**{t('ws.issue_new')}**")
                title = st.text_input(t("ws.issue_title"), key=form.key("title"))
                form.slot("title")
                severity = ui.choose(
                    "ws.severity",
                    [(v, t(f"level.{v}")) for v in SEVERITIES],
                    key=form.key("severity"),
                    index=1,
                )
                form.slot("severity")
                description = st.text_area(t("common.description"), key=form.key("description"))
                form.slot("description")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    create_issue,
                    project_id,
                    title,
                    description=description or None,
                    severity=severity,
                    success=t("ws.issue_saved"),
                )
        open_issues = [(i["id"], i["title"]) for i in project["issues"] if i["status"] == "open"]
        if project["can_work"] and open_issues:
            with EntryForm(f"resolve_{project_id}") as form:
                st.markdown(f"**{t('ws.resolve')}**")
                issue_id = ui.choose("ws.issue_title", open_issues, key=form.key("issue_id"))
                resolution = st.text_input(t("ws.resolution"), key=form.key("resolution"))
                form.slot("resolution")
                submitted = form.submit()
            if submitted:
                form.run(actor, resolve_issue, issue_id, resolution, success=t("ws.resolved"))

with tabs[7]:
    if tabs[7].open:
        ui.table(
            project["members"],
            {"name": "ws.member_user", "member_role": "ws.member_role"},
            formats={"member_role": lambda v: ui.label("member_role", v)},
        )
        if project["can_work"]:
            with EntryForm(f"member_{project_id}") as form:
                user_id = ui.choose("ws.member_user", people, key=form.key("user_id"))
                form.slot("user_id")
                member_role = ui.choose(
                    "ws.member_role",
                    [(v, t(f"member_role.{v}")) for v in MEMBER_ROLES],
                    key=form.key("role"),
                    index=1,
                )
                form.slot("member_role")
                submitted = form.submit()
            if submitted:
                form.run(
                    actor,
                    add_member,
                    project_id,
                    user_id,
                    member_role,
                    success=t("ws.member_saved"),
                )
