from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update

from ingest.commands.base import Conflict, Forbidden
from ingest.commands.customers import CustomerInput, create_customer
from ingest.commands.projects import (
    CloseWonInput,
    LineInput,
    ProjectInput,
    add_member,
    assign_owner,
    change_forecast,
    close_lost,
    close_won,
    create_project,
    move_stage,
    remove_member,
    reopen,
)
from ingest.store.db import read_session, write_session
from ingest.store.models import (
    AuditLog,
    Contract,
    ContractLine,
    DeletedRow,
    Department,
    Industry,
    LossReason,
    Product,
    Project,
    ProjectMember,
    ProjectStageHistory,
    Quote,
    QuoteLine,
    Stage,
)
from tests.support.factories import ACTORS, OK, get, permission_outcome, refused, selected
from tests.support.hostile import refused_names

TODAY = dt.date.today()
NEXT_MONTH = TODAY + dt.timedelta(days=30)


# --- helpers -----------------------------------------------------------------------------


def stage_code(engine: Engine, project_id: int) -> str:
    with read_session(engine) as s:
        return s.scalar(
            select(Stage.code)
            .join(Project, Project.stage_id == Stage.id)
            .where(Project.id == project_id)
        )


def stage_id(engine: Engine, code: str) -> int:
    with read_session(engine) as s:
        return s.scalar(select(Stage.id).where(Stage.code == code))


def history(engine: Engine, project_id: int) -> list[ProjectStageHistory]:
    return selected(
        engine,
        select(ProjectStageHistory)
        .where(ProjectStageHistory.project_id == project_id)
        .order_by(ProjectStageHistory.id),
    )


def backdate(engine: Engine, project_id: int, days: int) -> None:
    """Pretend the project was created `days` ago (imports do this; tests need it)."""
    with write_session(engine) as s:
        s.execute(
            update(Project)
            .where(Project.id == project_id)
            .values(created_at=dt.datetime.now() - dt.timedelta(days=days))
        )


def new_customer(engine: Engine, owner: int, name: str = "华北电力设计院") -> int:
    return create_customer(
        engine, owner, CustomerInput(name, "design_institute", "power", "north_china")
    )


def project_input(customer_id: int, **overrides: Any) -> ProjectInput:
    values: dict[str, Any] = dict(
        name="电厂 DCS 改造",
        customer_id=customer_id,
        sales_mode="si_supply",
        expected_amount="800000",
        expected_close_date=NEXT_MONTH,
    )
    values.update(overrides)
    return ProjectInput(**values)


def new_project(engine: Engine, org: Any, owner: int | None = None, **overrides: Any) -> int:
    owner = owner or org.rep
    return create_project(engine, owner, project_input(new_customer(engine, owner), **overrides))


def add_quote(engine: Engine, project_id: int, status: str = "accepted") -> int:
    """Quotes belong to another module's commands; the store is enough here."""
    with write_session(engine) as s:
        product = s.scalar(select(Product).where(Product.code == "FT-2900"))
        if product is None:
            product = Product(
                code="FT-2900",
                name_zh="容错服务器",
                name_en="FT server",
                category="server",
                list_price=Decimal("300000"),
            )
            s.add(product)
            s.flush()
        count = s.scalar(select(func.count()).select_from(Quote)) or 0
        quote = Quote(
            project_id=project_id,
            quote_no=f"BJ{count + 1:04d}",
            quote_date=TODAY,
            status=status,
            total_amount=Decimal("540000"),
        )
        s.add(quote)
        s.flush()
        s.add(
            QuoteLine(
                quote_id=quote.id,
                product_id=product.id,
                quantity=2,
                unit_price=Decimal("300000"),
                discount_rate=Decimal("0.1"),
                line_amount=Decimal("540000"),
            )
        )
        return quote.id


# --- creating ----------------------------------------------------------------------------


def test_create_starts_in_the_first_stage_with_history_and_audit(engine, org) -> None:
    project_id = new_project(engine, org)
    project = get(engine, Project, project_id)
    assert (project.status, project.owner_id, project.version) == ("open", org.rep, 1)
    assert stage_code(engine, project_id) == "si_project_info"
    with read_session(engine) as s:
        north = s.scalar(select(Department.id).where(Department.code == "north"))
        power = s.scalar(select(Industry.id).where(Industry.code == "power"))
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "projects")).one()
    # department from the owner, industry from the customer
    assert (project.department_id, project.industry_id) == (north, power)
    (row,) = history(engine, project_id)
    assert (row.change_type, row.from_stage_id, row.to_stage_id) == (
        "created",
        None,
        project.stage_id,
    )
    assert (row.amount, row.expected_close_date, row.status, row.changed_by) == (
        Decimal("800000.00"),
        NEXT_MONTH,
        "open",
        org.rep,
    )
    assert (audit.action, audit.actor_id, audit.before) == ("project.create", org.rep, None)
    other = new_project(engine, org, sales_mode="project_type", industry="water")
    assert stage_code(engine, other) == "pt_feasibility"


BAD_PROJECTS = [
    *refused_names("name"),
    ("name", "x'; DELETE FROM projects; --", "sql"),
    ("description", "javascript:alert(1)", "markup"),
    ("expected_amount", "-1", "negative"),
    ("expected_amount", "0", "not_positive"),
    ("expected_amount", "10000000001", "too_large"),
    ("expected_amount", "一百万", "not_a_number"),
    ("expected_amount", None, "required"),
    ("budget_amount", "-100", "negative"),
    ("expected_close_date", TODAY - dt.timedelta(days=1), "date_before"),
    ("expected_close_date", "2025-13-01", "not_a_date"),
    ("sales_mode", "si_supply_v9", "invalid_choice"),
    ("industry", "space_mining", "invalid_choice"),
    ("customer_id", 999_999, "not_found"),
]


def test_bad_project_input_is_refused_per_field(engine, org) -> None:
    customer_id = new_customer(engine, org.rep)
    # One store for the whole table: a fresh PostgreSQL store per case costs more than the case.
    for field, value, code in BAD_PROJECTS:
        data = project_input(customer_id)
        setattr(data, field, value)
        codes = refused(engine, lambda d=data: create_project(engine, org.rep, d))
        assert codes.get(field) == code, (field, value, codes)


def test_all_bad_fields_are_reported_together(engine, org) -> None:
    data = ProjectInput("", None, "nope", "-3", "yesterday", owner_id=999_999)
    codes = refused(engine, lambda: create_project(engine, org.rep, data))
    assert codes == {
        "name": "required",
        "customer_id": "required",
        "sales_mode": "invalid_choice",
        "expected_amount": "negative",
        "expected_close_date": "not_a_date",
        "industry": "required",  # no customer, so no industry to default from
        "owner_id": "not_found",
    }


def test_create_for_someone_else_follows_the_assignment_rules(engine, org) -> None:
    customer_id = new_customer(engine, org.rep)
    codes = refused(
        engine,
        lambda: create_project(engine, org.rep, project_input(customer_id, owner_id=org.rep2)),
        Forbidden,
    )
    assert codes == {"owner_id": "owner_not_in_team"}
    codes = refused(
        engine,
        lambda: create_project(engine, org.head, project_input(customer_id, owner_id=org.finance)),
    )
    assert codes == {"owner_id": "owner_not_sales"}
    project_id = create_project(engine, org.manager, project_input(customer_id, owner_id=org.rep2))
    assert get(engine, Project, project_id).owner_id == org.rep2


def test_idempotent_create_makes_one_project(engine, org) -> None:
    data = project_input(new_customer(engine, org.rep), external_id="CRM-OLD-17")
    first = create_project(engine, org.rep, data, idempotency_key="p-1")
    assert create_project(engine, org.rep, data, idempotency_key="p-1") == first
    assert refused(engine, lambda: create_project(engine, org.rep, data)) == {
        "external_id": "duplicate"
    }
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1


# --- assignment --------------------------------------------------------------------------


def test_manager_reassigns_within_the_team(engine, org) -> None:
    project_id = new_project(engine, org)
    assign_owner(engine, org.manager, project_id, org.rep2, expected_version=1, note="按行业分配")
    project = get(engine, Project, project_id)
    assert (project.owner_id, project.version) == (org.rep2, 2)
    row = history(engine, project_id)[-1]
    assert (row.change_type, row.note, row.changed_by) == ("owner", "按行业分配", org.manager)
    assert (row.from_stage_id, row.to_stage_id) == (project.stage_id, project.stage_id)
    with read_session(engine) as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "project.assign_owner")).one()
    assert f'"owner_id": {org.rep}' in audit.before and f'"owner_id": {org.rep2}' in audit.after
    assert refused(engine, lambda: assign_owner(engine, org.manager, project_id, org.rep2)) == {
        "owner_id": "nothing_changed"
    }
    codes = refused(
        engine, lambda: assign_owner(engine, org.manager, project_id, org.rep_b), Forbidden
    )
    assert codes == {"owner_id": "owner_not_in_team"}
    # the department head assigns across teams; the department follows the owner
    assign_owner(engine, org.head, project_id, org.rep_b)
    with read_session(engine) as s:
        south = s.scalar(select(Department.id).where(Department.code == "south"))
    assert get(engine, Project, project_id).department_id == south


# --- stages ------------------------------------------------------------------------------


def test_stage_moves_forward_and_back_with_history(engine, org) -> None:
    project_id = new_project(engine, org)
    move_stage(engine, org.rep, project_id, "si_proposal_delivered", expected_version=1)
    change_forecast(engine, org.rep, project_id, expected_amount="900000")
    move_stage(engine, org.rep, project_id, "si_presales_proposal", note="客户要求重新出方案")
    rows = history(engine, project_id)
    assert [r.change_type for r in rows] == ["created", "stage", "amount", "stage"]
    forward, back = rows[1], rows[3]
    assert (forward.from_stage_id, forward.to_stage_id) == (
        stage_id(engine, "si_project_info"),
        stage_id(engine, "si_proposal_delivered"),
    )
    assert (forward.amount, forward.changed_by) == (Decimal("800000.00"), org.rep)
    assert (back.from_stage_id, back.to_stage_id) == (
        stage_id(engine, "si_proposal_delivered"),
        stage_id(engine, "si_presales_proposal"),
    )
    assert (back.amount, back.expected_close_date, back.note) == (
        Decimal("900000.00"),
        NEXT_MONTH,
        "客户要求重新出方案",
    )
    assert get(engine, Project, project_id).version == 4


def test_stage_refusals(engine, org) -> None:
    project_id = new_project(engine, org)
    with write_session(engine) as s:
        s.execute(
            update(Stage).where(Stage.code == "si_proposal_confirmed").values(is_active=False)
        )
    cases = [
        ("pt_tender", "stage_other_mode"),
        ("si_project_info", "same_stage"),
        ("si_contract_signed", "won_stage_by_close"),
        ("si_proposal_confirmed", "inactive"),
        ("no_such_stage", "invalid_choice"),
        (None, "required"),
    ]
    for code, expected in cases:
        codes = refused(engine, lambda c=code: move_stage(engine, org.rep, project_id, c))
        assert codes == {"stage": expected}, code
    codes = refused(
        engine, lambda: move_stage(engine, org.rep, project_id, "si_negotiation", note="好😀")
    )
    assert codes == {"note": "emoji"}
    close_lost(engine, org.rep, project_id, "price_too_high")
    codes = refused(engine, lambda: move_stage(engine, org.rep, project_id, "si_negotiation"))
    assert codes == {"__all__": "project_closed"}


# --- forecast ----------------------------------------------------------------------------


def test_forecast_change_writes_one_row_per_changed_value(engine, org) -> None:
    project_id = new_project(engine, org)
    later = NEXT_MONTH + dt.timedelta(days=31)
    change_forecast(engine, org.rep, project_id, "1500000", later, expected_version=1, note="扩容")
    rows = history(engine, project_id)[1:]
    assert [(r.change_type, r.amount, r.expected_close_date) for r in rows] == [
        ("amount", Decimal("1500000.00"), NEXT_MONTH),
        ("close_date", Decimal("1500000.00"), later),
    ]
    assert all(r.note == "扩容" and r.changed_by == org.rep for r in rows)
    # an unchanged amount with a new date writes only the date row
    change_forecast(engine, org.rep, project_id, "1500000", NEXT_MONTH)
    assert [r.change_type for r in history(engine, project_id)] == [
        "created",
        "amount",
        "close_date",
        "close_date",
    ]
    assert refused(engine, lambda: change_forecast(engine, org.rep, project_id, "1500000")) == {
        "__all__": "nothing_changed"
    }
    assert refused(engine, lambda: change_forecast(engine, org.rep, project_id)) == {
        "__all__": "nothing_changed"
    }


def test_forecast_refusals(engine, org) -> None:
    project_id = new_project(engine, org)
    yesterday = TODAY - dt.timedelta(days=1)
    cases = [
        ({"expected_close_date": yesterday}, {"expected_close_date": "close_before_created"}),
        ({"expected_amount": "-10"}, {"expected_amount": "negative"}),
        ({"expected_amount": "100000000000"}, {"expected_amount": "too_large"}),
        ({"expected_amount": "12.345"}, {"expected_amount": "too_many_decimals"}),
        ({"expected_amount": "1", "note": "' OR 1=1 --"}, {"note": "sql"}),
    ]
    for kwargs, expected in cases:
        codes = refused(engine, lambda k=kwargs: change_forecast(engine, org.rep, project_id, **k))
        assert codes == expected, kwargs
    # a slipped deal may move its date into the past, but not before it existed
    backdate(engine, project_id, days=60)
    change_forecast(engine, org.rep, project_id, expected_close_date=TODAY - dt.timedelta(days=10))
    codes = refused(
        engine,
        lambda: change_forecast(
            engine, org.rep, project_id, expected_close_date=TODAY - dt.timedelta(days=61)
        ),
    )
    assert codes == {"expected_close_date": "close_before_created"}


# --- concurrency -------------------------------------------------------------------------


def test_two_edits_from_the_same_version_keep_the_first(engine, org) -> None:
    project_id = new_project(engine, org)
    move_stage(engine, org.rep, project_id, "si_presales_proposal", expected_version=1)
    codes = refused(
        engine,
        lambda: move_stage(engine, org.manager, project_id, "si_negotiation", expected_version=1),
        Conflict,
    )
    assert codes == {"__all__": "stale"}
    assert stage_code(engine, project_id) == "si_presales_proposal"
    for call in (
        lambda: change_forecast(engine, org.rep, project_id, "1", expected_version=1),
        lambda: close_lost(engine, org.rep, project_id, "price_too_high", expected_version=1),
        lambda: assign_owner(engine, org.manager, project_id, org.rep2, expected_version=1),
        lambda: close_won(engine, org.rep, project_id, CloseWonInput("1", TODAY), 1),
    ):
        assert refused(engine, call, Conflict) == {"__all__": "stale"}


def test_concurrent_writers_on_one_version_one_wins(engine, org) -> None:
    project_id = new_project(engine, org)

    def attempt(target: str) -> str:
        try:
            move_stage(engine, org.rep, project_id, target, expected_version=1)
            return "ok"
        except Conflict as error:
            return error.codes["__all__"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(attempt, ["si_presales_proposal", "si_negotiation"]))
    assert results == ["ok", "stale"]
    assert len(history(engine, project_id)) == 2
    assert get(engine, Project, project_id).version == 2


# --- closing won -------------------------------------------------------------------------


def test_close_won_generates_the_contract_from_the_quote(engine, org) -> None:
    project_id = new_project(engine, org)
    move_stage(engine, org.rep, project_id, "si_negotiation")
    quote_id = add_quote(engine, project_id, status="sent")
    result = close_won(
        engine,
        org.rep,
        project_id,
        CloseWonInput(amount="540000", signed_date=TODAY, quote_id=quote_id),
        expected_version=2,
    )
    with read_session(engine) as s:
        contract = s.get(Contract, result["contract_id"])
        lines = list(s.scalars(select(ContractLine)))
        project = s.get(Project, project_id)
    assert result == {"contract_id": contract.id, "project_id": project_id}
    assert contract.contract_no == f"HT{TODAY:%Y%m}{project_id:06d}"
    assert (contract.amount, contract.signed_date) == (Decimal("540000.00"), TODAY)
    assert (contract.customer_id, contract.owner_id) == (project.customer_id, org.rep)
    assert [(li.quantity, li.unit_price, li.line_amount) for li in lines] == [
        (2, Decimal("300000.00"), Decimal("540000.00"))
    ]
    assert (project.status, project.closed_date) == ("won", TODAY)
    assert stage_code(engine, project_id) == "si_contract_signed"
    won = history(engine, project_id)[-1]
    assert (won.change_type, won.status) == ("won", "won")
    assert (won.from_stage_id, won.to_stage_id) == (
        stage_id(engine, "si_negotiation"),
        stage_id(engine, "si_contract_signed"),
    )
    with read_session(engine) as s:
        actions = list(s.scalars(select(AuditLog.action).order_by(AuditLog.id)))
    assert actions[-2:] == ["contract.create", "project.close_won"]


def test_close_won_uses_explicit_lines_or_the_accepted_quote(engine, org) -> None:
    explicit = new_project(engine, org)
    add_quote(engine, explicit)  # creates the product
    with read_session(engine) as s:
        product_id = s.scalar(select(Product.id))
    result = close_won(
        engine,
        org.rep,
        explicit,
        CloseWonInput(
            "99000", TODAY, contract_no="HT-2024-001", lines=[LineInput(product_id, 3, "33000")]
        ),
    )
    with read_session(engine) as s:
        line = s.scalars(
            select(ContractLine).where(ContractLine.contract_id == result["contract_id"])
        ).one()
        assert s.get(Contract, result["contract_id"]).contract_no == "HT-2024-001"
    assert (line.quantity, line.line_amount) == (3, Decimal("99000.00"))
    implicit = new_project(engine, org, name="第二期")
    add_quote(engine, implicit, status="accepted")
    result = close_won(engine, org.rep, implicit, CloseWonInput("540000", TODAY))
    with read_session(engine) as s:
        count = s.scalar(
            select(func.count())
            .select_from(ContractLine)
            .where(ContractLine.contract_id == result["contract_id"])
        )
    assert count == 1


def test_close_won_refusals(engine, org) -> None:
    project_id = new_project(engine, org)
    other = new_project(engine, org, name="别的项目")
    other_quote = add_quote(engine, other)
    own_quote = add_quote(engine, project_id)
    close_won(engine, org.rep, other, CloseWonInput("1000", TODAY, contract_no="HT-TAKEN"))
    backdate(engine, project_id, days=5)
    tomorrow, week_ago = TODAY + dt.timedelta(days=1), TODAY - dt.timedelta(days=7)
    cases = [
        (CloseWonInput(None, None), {"amount": "required", "signed_date": "required"}),
        (CloseWonInput("0", TODAY), {"amount": "not_positive"}),
        (CloseWonInput("-1", TODAY), {"amount": "negative"}),
        (CloseWonInput("20000000000", TODAY), {"amount": "too_large"}),
        (CloseWonInput("1000", tomorrow), {"signed_date": "future_date"}),
        (CloseWonInput("1000", week_ago), {"signed_date": "date_before"}),
        (CloseWonInput("1000", TODAY, contract_no="HT-TAKEN"), {"contract_no": "duplicate"}),
        (CloseWonInput("1000", TODAY, contract_no="HT<b>1</b>"), {"contract_no": "markup"}),
        (CloseWonInput("1000", TODAY, quote_id=other_quote), {"quote_id": "quote_other_project"}),
        (CloseWonInput("1000", TODAY, quote_id=999_999), {"quote_id": "not_found"}),
        (
            CloseWonInput("1000", TODAY, quote_id=own_quote, lines=[LineInput(1, 1, "1")]),
            {"lines": "quote_or_lines"},
        ),
        (
            CloseWonInput("1000", TODAY, lines=[LineInput(999_999, 0, "-1")]),
            {
                "lines.0.product_id": "not_found",
                "lines.0.quantity": "out_of_range",
                "lines.0.unit_price": "negative",
            },
        ),
    ]
    for data, expected in cases:
        codes = refused(engine, lambda d=data: close_won(engine, org.rep, project_id, d))
        assert codes == expected, data
    codes = refused(engine, lambda: close_won(engine, org.rep, other, CloseWonInput("1000", TODAY)))
    assert codes == {"__all__": "project_closed"}


def test_idempotent_close_won_makes_one_contract(engine, org) -> None:
    project_id = new_project(engine, org)
    data = CloseWonInput("800000", TODAY)
    first = close_won(engine, org.rep, project_id, data, idempotency_key="won-1")
    assert close_won(engine, org.rep, project_id, data, idempotency_key="won-1") == first
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Contract)) == 1


# --- closing lost ------------------------------------------------------------------------


def test_close_lost_needs_a_reason_and_keeps_the_stage(engine, org) -> None:
    project_id = new_project(engine, org)
    move_stage(engine, org.rep, project_id, "si_proposal_delivered")
    with write_session(engine) as s:
        s.execute(
            update(LossReason).where(LossReason.code == "delivery_time").values(is_active=False)
        )
    cases = [
        ((None,), {}, {"loss_reason": "required"}),
        (("cheaper_elsewhere",), {}, {"loss_reason": "invalid_choice"}),
        (("delivery_time",), {}, {"loss_reason": "inactive"}),
        (("other",), {}, {"note": "required"}),
        (("price_too_high",), {"note": "<script>x</script>"}, {"note": "markup"}),
        (("price_too_high",), {"closed_date": TODAY + dt.timedelta(days=2)}, {
            "closed_date": "future_date"}),
    ]  # fmt: skip
    for args, kwargs, expected in cases:
        codes = refused(
            engine, lambda a=args, k=kwargs: close_lost(engine, org.rep, project_id, *a, **k)
        )
        assert codes == expected, (args, kwargs)
    close_lost(
        engine, org.rep, project_id, "competitor_won", note="对手低价 20%", expected_version=2
    )
    project = get(engine, Project, project_id)
    with read_session(engine) as s:
        reason = s.scalar(select(LossReason.id).where(LossReason.code == "competitor_won"))
    assert (project.status, project.loss_reason_id, project.loss_note, project.closed_date) == (
        "lost",
        reason,
        "对手低价 20%",
        TODAY,
    )
    assert stage_code(engine, project_id) == "si_proposal_delivered"
    lost = history(engine, project_id)[-1]
    assert (lost.change_type, lost.status, lost.from_stage_id, lost.to_stage_id) == (
        "lost",
        "lost",
        project.stage_id,
        project.stage_id,
    )
    assert refused(engine, lambda: close_lost(engine, org.rep, project_id, "price_too_high")) == {
        "__all__": "project_closed"
    }
    assert refused(engine, lambda: change_forecast(engine, org.rep, project_id, "5")) == {
        "__all__": "project_closed"
    }


# --- reopening ---------------------------------------------------------------------------


def test_reopen_a_won_project_deletes_its_contract_and_restores_the_stage(engine, org) -> None:
    project_id = new_project(engine, org)
    move_stage(engine, org.rep, project_id, "si_negotiation")
    add_quote(engine, project_id)
    result = close_won(engine, org.rep, project_id, CloseWonInput("540000", TODAY))
    codes = refused(engine, lambda: reopen(engine, org.rep, project_id, "客户撤回"), Forbidden)
    assert codes == {"__all__": "forbidden"}
    assert refused(engine, lambda: reopen(engine, org.manager, project_id, None)) == {
        "note": "required"
    }
    reopen(engine, org.manager, project_id, "合同被客户撤回", expected_version=3)
    project = get(engine, Project, project_id)
    assert (project.status, project.closed_date, project.version) == ("open", None, 4)
    assert stage_code(engine, project_id) == "si_negotiation"
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Contract)) == 0
        assert s.scalar(select(func.count()).select_from(ContractLine)) == 0
        tombstones = set(s.execute(select(DeletedRow.table_name, DeletedRow.row_id)).all())
        deleted = s.scalars(select(AuditLog).where(AuditLog.action == "contract.delete")).one()
    assert ("contracts", result["contract_id"]) in tombstones
    assert any(table == "contract_lines" for table, _ in tombstones)
    assert deleted.after is None and "540000" in deleted.before
    row = history(engine, project_id)[-1]
    assert (row.change_type, row.status, row.note, row.changed_by) == (
        "reopened",
        "open",
        "合同被客户撤回",
        org.manager,
    )
    assert (row.from_stage_id, row.to_stage_id) == (
        stage_id(engine, "si_contract_signed"),
        stage_id(engine, "si_negotiation"),
    )
    # the contract number is free again for the signature that follows
    again = close_won(engine, org.rep, project_id, CloseWonInput("500000", TODAY))
    assert (
        get(engine, Contract, again["contract_id"]).contract_no == f"HT{TODAY:%Y%m}{project_id:06d}"
    )


def test_reopen_a_lost_project_clears_the_loss(engine, org) -> None:
    project_id = new_project(engine, org)
    assert refused(engine, lambda: reopen(engine, org.manager, project_id, "再看看")) == {
        "__all__": "project_not_closed"
    }
    close_lost(engine, org.rep, project_id, "budget_cut", note="预算冻结")
    reopen(engine, org.head, project_id, "预算恢复")
    project = get(engine, Project, project_id)
    assert (project.status, project.loss_reason_id, project.loss_note, project.closed_date) == (
        "open",
        None,
        None,
        None,
    )
    assert stage_code(engine, project_id) == "si_project_info"
    assert [r.change_type for r in history(engine, project_id)] == ["created", "lost", "reopened"]


# --- the project team --------------------------------------------------------------------


def test_members_join_work_and_leave_the_project(engine, org) -> None:
    project_id = new_project(engine, org)
    codes = refused(
        engine, lambda: move_stage(engine, org.rep2, project_id, "si_negotiation"), Forbidden
    )
    assert codes == {"__all__": "not_visible"}
    member_id = add_member(engine, org.rep, project_id, org.rep2, "presales_engineer")
    member = get(engine, ProjectMember, member_id)
    assert (member.user_id, member.member_role) == (org.rep2, "presales_engineer")
    move_stage(engine, org.rep2, project_id, "si_presales_proposal")  # members work the project
    cases = [
        (org.rep2, "sales", {"user_id": "already_member"}),
        (org.rep, "sales", {"user_id": "already_member"}),
        (org.rep_b, "tea_maker", {"member_role": "invalid_choice"}),
        (999_999, "sales", {"user_id": "not_found"}),
    ]
    for user_id, role, expected in cases:
        codes = refused(
            engine, lambda u=user_id, r=role: add_member(engine, org.rep, project_id, u, r)
        )
        assert codes == expected, (user_id, role)
    # a member is not the owner: they do not choose the team
    codes = refused(
        engine, lambda: add_member(engine, org.rep2, project_id, org.rep_b, "sales"), Forbidden
    )
    assert codes == {"__all__": "forbidden"}
    assert remove_member(engine, org.manager, project_id, org.rep2) == member_id
    with read_session(engine) as s:
        assert s.get(ProjectMember, member_id) is None
        assert s.scalar(
            select(DeletedRow.id).where(
                DeletedRow.table_name == "project_members", DeletedRow.row_id == member_id
            )
        )
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "project.remove_member")).one()
    assert audit.after is None and audit.before is not None
    assert refused(engine, lambda: remove_member(engine, org.rep, project_id, org.rep2)) == {
        "user_id": "not_member"
    }


# --- the permission matrix ---------------------------------------------------------------

WORK = dict(
    rep=OK, rep2="not_visible", manager=OK, manager_b="not_visible", head="forbidden",
    executive="forbidden", finance="forbidden", steward="not_visible", admin=OK,
)  # fmt: skip
DECIDE = dict(
    rep="forbidden", rep2="not_visible", manager=OK, manager_b="not_visible", head=OK,
    executive=OK, finance="forbidden", steward="not_visible", admin=OK,
)  # fmt: skip
TEAM = {**DECIDE, "rep": OK}

Setup = Callable[[Engine, Any, int], Callable[[int], Any]]


def _create(engine: Engine, org: Any, project_id: int) -> Callable[[int], Any]:
    data = project_input(get(engine, Project, project_id).customer_id)
    return lambda actor: create_project(engine, actor, data)


def _closed_lost(engine: Engine, org: Any, project_id: int) -> Callable[[int], Any]:
    close_lost(engine, None, project_id, "price_too_high")
    return lambda actor: reopen(engine, actor, project_id, "重新跟进")


MATRIX: list[tuple[str, Setup, dict[str, str]]] = [
    ("create_on_reps_customer", _create, {
        **WORK, "head": OK, "executive": OK, "finance": "forbidden", "steward": "forbidden"}),
    ("assign_owner", lambda e, o, p: lambda a: assign_owner(e, a, p, o.rep2), DECIDE),
    ("move_stage", lambda e, o, p: lambda a: move_stage(e, a, p, "si_negotiation"), WORK),
    ("change_forecast", lambda e, o, p: lambda a: change_forecast(e, a, p, "1000"), WORK),
    ("close_won", lambda e, o, p: lambda a: close_won(e, a, p, CloseWonInput("1", TODAY)), WORK),
    ("close_lost", lambda e, o, p: lambda a: close_lost(e, a, p, "budget_cut"), WORK),
    ("reopen", _closed_lost, DECIDE),
    ("add_member", lambda e, o, p: lambda a: add_member(e, a, p, o.rep_b, "sales"), TEAM),
]  # fmt: skip


@pytest.mark.parametrize(("verb", "setup", "expected"), MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(engine, org, verb, setup, expected) -> None:
    customer_id = new_customer(engine, org.rep)
    outcomes = {}
    for name in ACTORS:
        # a fresh project of rep's for every actor
        project_id = create_project(engine, org.rep, project_input(customer_id))
        call = setup(engine, org, project_id)
        outcomes[name] = permission_outcome(engine, call, getattr(org, name), verb, name)
    assert outcomes == expected
