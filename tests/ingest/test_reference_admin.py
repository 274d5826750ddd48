from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from ingest.commands.base import CommandError, Forbidden
from ingest.commands.customers import CustomerInput, create_customer
from ingest.commands.reference_admin import (
    StageInput,
    create_sales_mode_with_stages,
    deactivate_lookup,
    deactivate_stage,
    upsert_lookup,
    upsert_stage,
)
from ingest.store.db import read_session
from ingest.store.models import (
    AuditLog,
    Department,
    LossReason,
    Region,
    SalesMode,
    Stage,
)
from tests.support.factories import store_state


def by_code(engine: Engine, model: type, code: str):  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return s.scalar(select(model).where(model.code == code))


def stages_of(engine: Engine, mode: str) -> list[tuple[str, int, bool, bool]]:
    with read_session(engine) as s:
        rows = s.execute(
            select(Stage.code, Stage.stage_order, Stage.is_won_stage, Stage.is_active)
            .join(SalesMode, SalesMode.id == Stage.sales_mode_id)
            .where(SalesMode.code == mode)
            .order_by(Stage.stage_order)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def four_stages(**last: object) -> list[StageInput]:
    """A foreign four-stage pipeline, as an import would bring it in; `last` edits stage 4."""
    won = StageInput("closed_won", "赢单", "Closed won", "1", "closed", is_won_stage=True)
    for key, value in last.items():
        setattr(won, key, value)
    return [
        StageInput("lead_in", "线索", "Lead in", "0.1", "pipeline"),
        StageInput("qualified", "已确认", "Qualified", "0.3", "best_case"),
        StageInput("proposal", "方案报价", "Proposal", "0.6", "commit"),
        won,
    ]


# --- lookups ----------------------------------------------------------------------------


def test_admin_creates_updates_and_deactivates_a_region(engine, org) -> None:
    region_id = upsert_lookup(engine, org.admin, "region", "hk_macau", "港澳", "HK & Macau")
    assert upsert_lookup(engine, org.admin, "region", "hk_macau", "港澳地区", "HK & Macau") == (
        region_id
    )
    region = by_code(engine, Region, "hk_macau")
    assert (region.id, region.name_zh, region.is_active) == (region_id, "港澳地区", True)
    with read_session(engine) as s:
        actions = s.scalars(
            select(AuditLog.action)
            .where(AuditLog.entity == "regions", AuditLog.entity_id == region_id)
            .order_by(AuditLog.id)
        ).all()
        assert actions == ["reference.create", "reference.update"]
    # the same values again write no audit row
    audits = store_state(engine)["audit_log"]
    upsert_lookup(engine, org.admin, "region", "hk_macau", "港澳地区", "HK & Macau")
    assert store_state(engine)["audit_log"] == audits
    # deactivated: new records may no longer choose it, the row stays
    deactivate_lookup(engine, org.admin, "region", "hk_macau")
    assert by_code(engine, Region, "hk_macau").is_active is False
    with pytest.raises(CommandError) as refused:
        create_customer(
            engine,
            org.rep,
            CustomerInput("港澳客户", "end_user", "power", "hk_macau"),
        )
    assert refused.value.codes == {"region": "inactive"}
    # and it can be switched on again
    upsert_lookup(engine, org.admin, "region", "hk_macau", "港澳地区", "HK & Macau", True)
    assert by_code(engine, Region, "hk_macau").is_active is True


def test_every_kind_can_be_upserted(engine, org) -> None:
    extras = {"department": {"parent": "industrial_it"}, "loss_reason": {"category": "price"}}
    for kind in (
        "region",
        "industry",
        "customer_type",
        "lead_source",
        "department",
        "loss_reason",
        "sales_mode",
    ):
        row_id = upsert_lookup(
            engine, org.admin, kind, f"new_{kind}", "新", "New", **extras.get(kind, {})
        )
        assert isinstance(row_id, int)
    new_dept = by_code(engine, Department, "new_department")
    assert new_dept.parent_id == by_code(engine, Department, "industrial_it").id
    assert by_code(engine, LossReason, "new_loss_reason").category == "price"


def test_only_admin_changes_reference_data(engine, org) -> None:
    before = store_state(engine)
    for role in ("rep", "manager", "head", "executive", "finance", "steward"):
        actor = getattr(org, role)
        attempts = (
            lambda a: upsert_lookup(engine, a, "region", "tibet", "西藏", "Tibet"),
            lambda a: deactivate_lookup(engine, a, "region", "north_china"),
            lambda a: upsert_stage(
                engine, a, "si_supply", "si_project_info", "项目信息", "Info", 1, "0.1", "pipeline"
            ),
            lambda a: deactivate_stage(engine, a, "si_supply", "si_project_info"),
            lambda a: create_sales_mode_with_stages(engine, a, "ext", "外", "Ext", four_stages()),
        )
        for attempt in attempts:
            with pytest.raises(Forbidden) as refused:
                attempt(actor)
            assert refused.value.codes == {"__all__": "forbidden"}, role
    assert store_state(engine) == before


def test_bad_lookup_input_is_refused_and_writes_nothing(engine, org) -> None:
    upsert_lookup(engine, org.admin, "department", "child", "子部门", "Child", parent="north")
    before = store_state(engine)
    cases = [
        (("region", "A", "名", "Name"), {}, {"code": "invalid_code"}),
        (("region", "a", "名", "Name"), {}, {"code": "invalid_code"}),
        (("region", "North", "名", "Name"), {}, {"code": "invalid_code"}),
        (("region", "has-dash", "名", "Name"), {}, {"code": "invalid_code"}),
        (("region", "华北", "名", "Name"), {}, {"code": "invalid_code"}),
        (("region", "x" * 41, "名", "Name"), {}, {"code": "invalid_code"}),
        (("region", "", "名", "Name"), {}, {"code": "required"}),
        (("region", "ok_code", "", "Name"), {}, {"name_zh": "required"}),
        (("region", "ok_code", "名", "<b>x</b>"), {}, {"name_en": "markup"}),
        (("planet", "mars", "火星", "Mars"), {}, {"kind": "invalid_choice"}),
        (("region", "ok_code", "名", "Name"), {"parent": "north"}, {"parent": "unknown_field"}),
        (("loss_reason", "too_late", "太晚", "Too late"), {}, {"category": "required"}),
        (
            ("loss_reason", "too_late", "太晚", "Too late"),
            {"category": "bad_luck"},
            {"category": "invalid_choice"},
        ),
        (
            ("department", "dept_x", "部", "Dept"),
            {"parent": "nowhere"},
            {"parent": "invalid_choice"},
        ),
        # a department may not move below itself or its own sub-department
        (
            ("department", "north", "北方区", "North"),
            {"parent": "child"},
            {"parent": "department_cycle"},
        ),
        (
            ("department", "north", "北方区", "North"),
            {"parent": "north"},
            {"parent": "department_cycle"},
        ),
        (
            ("region", "", "", ""),
            {},
            {"code": "required", "name_zh": "required", "name_en": "required"},
        ),
    ]
    for args, extra, codes in cases:
        with pytest.raises(CommandError) as refused:
            upsert_lookup(engine, org.admin, *args, **extra)
        assert refused.value.codes == codes, (args, extra)
    with pytest.raises(CommandError) as refused:
        deactivate_lookup(engine, org.admin, "region", "atlantis")
    assert refused.value.codes == {"code": "invalid_choice"}
    assert store_state(engine) == before


def test_loss_reason_edit_keeps_its_category(engine, org) -> None:
    upsert_lookup(engine, org.admin, "loss_reason", "price_too_high", "报价太高", "Price too high")
    assert by_code(engine, LossReason, "price_too_high").category == "price"
    upsert_lookup(
        engine, org.admin, "loss_reason", "price_too_high", "报价太高", "Too high", category="other"
    )
    assert by_code(engine, LossReason, "price_too_high").category == "other"


def test_department_moves_to_another_parent(engine, org) -> None:
    upsert_lookup(engine, org.admin, "department", "north", "北方区", "North", parent="sales")
    north = by_code(engine, Department, "north")
    assert north.parent_id == by_code(engine, Department, "sales").id
    upsert_lookup(engine, org.admin, "department", "north", "北方区", "North", parent=None)
    assert by_code(engine, Department, "north").parent_id is None


# --- stages -----------------------------------------------------------------------------


def test_admin_edits_a_stage_probability(engine, org) -> None:
    values = ("si_negotiation", "商务谈判", "Negotiation", 5, "0.85", "commit")
    stage_id = upsert_stage(engine, org.admin, "si_supply", *values)
    with read_session(engine) as s:
        stage = s.get(Stage, stage_id)
        assert (stage.default_probability, stage.name_en) == (Decimal("0.8500"), "Negotiation")
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "stage.update")).one()
        assert '"default_probability": "0.8000"' in audit.before
        assert '"default_probability": "0.8500"' in audit.after


def test_stage_rules_keep_one_won_stage_at_the_end(engine, org) -> None:
    def stage(code: str, order: int, category: str = "commit", won: bool = False, **kw: object):  # type: ignore[no-untyped-def]
        return upsert_stage(
            engine, org.admin, "si_supply", code, "阶段", "Stage", order, "0.9", category, won, **kw
        )

    before = store_state(engine)
    cases = [
        (lambda: stage("si_extra", 3), {"stage_order": "stage_order_taken"}),
        (lambda: stage("si_extra", 7), {"stage_order": "won_stage_last"}),
        (lambda: stage("si_won2", 8, "closed", True), {"is_won_stage": "one_won_stage"}),
        (lambda: stage("si_extra", 5, "closed"), {"forecast_category": "won_stage_category"}),
        (lambda: stage("si_won2", 8, "commit", True), {"forecast_category": "won_stage_category"}),
        (lambda: stage("si_extra", 0), {"stage_order": "out_of_range"}),
        (lambda: stage("si_extra", 100), {"stage_order": "out_of_range"}),
        (lambda: stage("Bad Code", 4), {"code": "invalid_code"}),
        (
            lambda: upsert_stage(
                engine, org.admin, "si_supply", "si_x", "阶", "St", 4, "1.5", "nope"
            ),
            {"default_probability": "out_of_range", "forecast_category": "invalid_choice"},
        ),
        (
            lambda: upsert_stage(
                engine, org.admin, "si_supply", "si_x", "阶", "St", 4, "0.12345", "commit"
            ),
            {"default_probability": "probability_decimals"},
        ),
        (
            lambda: upsert_stage(
                engine, org.admin, "no_mode", "si_x", "阶", "St", 4, "0.1", "commit"
            ),
            {"sales_mode": "invalid_choice"},
        ),
    ]
    for attempt, codes in cases:
        with pytest.raises(CommandError) as refused:
            attempt()
        assert refused.value.codes == codes
    assert store_state(engine) == before
    # moving the won stage further out makes room for a new stage before it
    stage("si_contract_signed", 99, "closed", True)
    stage("si_extra", 7)
    codes = [code for code, *_ in stages_of(engine, "si_supply")]
    assert codes[-2:] == ["si_extra", "si_contract_signed"]
    # an inactive stage does not count: a replacement won stage may follow
    deactivate_stage(engine, org.admin, "si_supply", "si_contract_signed")
    stage("si_won2", 98, "closed", True)
    assert [row for row in stages_of(engine, "si_supply") if row[2]] == [
        ("si_won2", 98, True, True),
        ("si_contract_signed", 99, True, False),
    ]


def test_create_sales_mode_with_stages(engine, org) -> None:
    mode_id = create_sales_mode_with_stages(
        engine, org.admin, "foreign_crm", "外部CRM模式", "Foreign CRM", four_stages()
    )
    assert by_code(engine, SalesMode, "foreign_crm").id == mode_id
    assert stages_of(engine, "foreign_crm") == [
        ("lead_in", 1, False, True),
        ("qualified", 2, False, True),
        ("proposal", 3, False, True),
        ("closed_won", 4, True, True),
    ]
    with read_session(engine) as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.actor_id == org.admin)).all()
        assert sorted(actions) == ["reference.create"] + ["stage.create"] * 4
    # the mode is then usable like the seeded ones
    upsert_stage(
        engine, org.admin, "foreign_crm", "qualified", "已确认", "Qualified", 2, "0.35", "best_case"
    )


def test_bad_sales_mode_is_refused_and_writes_nothing(engine, org) -> None:
    not_last = four_stages()
    not_last[1].is_won_stage = True
    not_last[1].forecast_category = "closed"
    duplicate = four_stages()
    duplicate[2].code = "lead_in"
    before = store_state(engine)
    cases = [
        (("si_supply", four_stages()), {"code": "duplicate"}),
        (("new_mode", []), {"stages": "required"}),
        (
            ("new_mode", four_stages(is_won_stage=False, forecast_category="commit")),
            {"stages.3.is_won_stage": "won_stage_last"},
        ),
        (("new_mode", not_last), {"stages.1.is_won_stage": "won_stage_last"}),
        (("new_mode", duplicate), {"stages.2.code": "duplicate"}),
        (
            ("New Mode", four_stages(default_probability="2")),
            {"code": "invalid_code", "stages.3.default_probability": "out_of_range"},
        ),
    ]
    for (code, stages), codes in cases:
        with pytest.raises(CommandError) as refused:
            create_sales_mode_with_stages(engine, org.admin, code, "模式", "Mode", stages)
        assert refused.value.codes == codes, code
    assert store_state(engine) == before


def test_idempotent_resubmit_creates_one_mode(engine, org) -> None:
    args = ("foreign_crm", "外部CRM模式", "Foreign CRM", four_stages())
    first = create_sales_mode_with_stages(engine, org.admin, *args, idempotency_key="mode-1")
    again = create_sales_mode_with_stages(engine, org.admin, *args, idempotency_key="mode-1")
    assert first == again
    assert len(stages_of(engine, "foreign_crm")) == 4
    region = upsert_lookup(
        engine, org.admin, "region", "tibet", "西藏", "Tibet", idempotency_key="r"
    )
    assert (
        upsert_lookup(engine, org.admin, "region", "tibet", "西藏", "Tibet", idempotency_key="r")
        == region
    )
