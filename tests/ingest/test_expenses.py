from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from ingest.commands.base import MAX_EXPENSE, CommandError, Forbidden, today
from ingest.commands.expenses import (
    ExpenseInput,
    add_to_report,
    amount_in_chinese,
    approve_report,
    create_expense,
    create_report,
    delete_expense,
    delete_report,
    mark_paid,
    reject_report,
    remove_from_report,
    submit_report,
    update_expense,
    voucher_data,
)
from ingest.commands.users import UserInput, add_user, disable_user
from ingest.store.db import read_session, write_session
from ingest.store.models import (
    AuditLog,
    Customer,
    CustomerType,
    DeletedRow,
    Expense,
    ExpenseApproval,
    ExpenseReport,
    Industry,
    Project,
    Region,
    SalesMode,
    Stage,
)
from tests.support.factories import store_state

# --- private helpers (tests/support/factories.py belongs to another change) ---------------


def make_customer_project(engine: Engine, owner_id: int, name: str = "华北电力") -> tuple[int, int]:
    """A customer and a project in the first si_supply stage, owned by `owner_id`."""

    def lookup(session, model, code):  # type: ignore[no-untyped-def]
        return session.scalar(select(model.id).where(model.code == code))

    with write_session(engine) as s:
        customer = Customer(
            name=name,
            customer_type_id=lookup(s, CustomerType, "end_user"),
            industry_id=lookup(s, Industry, "power"),
            region_id=lookup(s, Region, "north_china"),
            owner_id=owner_id,
        )
        s.add(customer)
        s.flush()
        mode_id = lookup(s, SalesMode, "si_supply")
        stage_id = s.scalar(
            select(Stage.id).where(Stage.sales_mode_id == mode_id).order_by(Stage.stage_order)
        )
        project = Project(
            name=f"{name}项目",
            customer_id=customer.id,
            sales_mode_id=mode_id,
            stage_id=stage_id,
            owner_id=owner_id,
            industry_id=customer.industry_id,
            expected_amount=Decimal("500000"),
            expected_close_date=today() + dt.timedelta(days=90),
        )
        s.add(project)
        s.flush()
        return customer.id, project.id


# Every role of the conftest org except `rep`, who owns the records under test.
NOT_OWNER = (
    "rep2",
    "manager",
    "manager_b",
    "rep_b",
    "head",
    "executive",
    "finance",
    "steward",
    "admin",
)


def expense(project_id: int | None = None, **overrides: object) -> ExpenseInput:
    values: dict[str, object] = dict(
        category="travel",
        amount="1234.56",
        incurred_date=today() - dt.timedelta(days=3),
        project_id=project_id,
        description="北京出差高铁票",
    )
    values.update(overrides)
    return ExpenseInput(**values)  # type: ignore[arg-type]


def approvals(engine: Engine, report_id: int) -> list[tuple[str, str, int]]:
    with read_session(engine) as s:
        rows = s.scalars(
            select(ExpenseApproval)
            .where(ExpenseApproval.report_id == report_id)
            .order_by(ExpenseApproval.id)
        )
        return [(a.step, a.decision, a.actor_id) for a in rows]


def report_row(engine: Engine, report_id: int) -> ExpenseReport:
    with read_session(engine) as s:
        return s.get(ExpenseReport, report_id)


@pytest.fixture
def claim(engine, org):  # type: ignore[no-untyped-def]
    """The rep's project and a submitted report with two of the rep's expenses on it."""
    customer_id, project_id = make_customer_project(engine, org.rep)
    first = create_expense(engine, org.rep, expense(project_id))
    second = create_expense(engine, org.rep, expense(project_id, category="meals", amount=200))
    report_id = create_report(engine, org.rep, "三月差旅报销", [first, second])
    submit_report(engine, org.rep, report_id)
    return {
        "project": project_id,
        "customer": customer_id,
        "report": report_id,
        "lines": [first, second],
    }


# --- expenses ---------------------------------------------------------------------------


def test_rep_records_expense_on_project_with_audit(engine, org) -> None:
    customer_id, project_id = make_customer_project(engine, org.rep)
    expense_id = create_expense(engine, org.rep, expense(project_id, external_id="erp-1"))
    with read_session(engine) as s:
        row = s.get(Expense, expense_id)
        # the customer comes from the project
        assert (row.owner_id, row.project_id, row.customer_id) == (org.rep, project_id, customer_id)
        assert (row.category, row.amount, row.report_id) == ("travel", Decimal("1234.56"), None)
        assert row.external_id == "erp-1"
        audit = s.scalars(
            select(AuditLog).where(AuditLog.entity == "expenses", AuditLog.entity_id == expense_id)
        ).one()
        assert (audit.action, audit.actor_id, audit.before) == ("expense.create", org.rep, None)
        assert "1234.56" in audit.after
    # an expense may also hang on the customer alone
    on_customer = create_expense(engine, org.rep, expense(customer_id=customer_id))
    with read_session(engine) as s:
        assert s.get(Expense, on_customer).project_id is None


def test_all_bad_fields_are_reported_at_once(engine, org) -> None:
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        create_expense(
            engine,
            org.rep,
            ExpenseInput(category="yacht", amount="-5", incurred_date="yesterday"),
        )
    assert refused.value.codes == {
        "category": "invalid_choice",
        "amount": "negative",
        "incurred_date": "not_a_date",
        "project_id": "link_required",
    }
    assert store_state(engine) == before


BAD_INPUT = [
    ({"category": ""}, "category", "required"),
    ({"amount": 0}, "amount", "not_positive"),
    ({"amount": MAX_EXPENSE + 1}, "amount", "too_large"),
    ({"amount": "12.345"}, "amount", "too_many_decimals"),
    ({"amount": "abc"}, "amount", "not_a_number"),
    ({"incurred_date": today() + dt.timedelta(days=1)}, "incurred_date", "future_date"),
    ({"description": "<script>alert(1)</script>"}, "description", "markup"),
    ({"description": "x'; DROP TABLE expenses; --"}, "description", "sql"),
    ({"project_id": 999_999}, "project_id", "not_found"),
    ({"customer_id": 999_999}, "customer_id", "not_found"),
]


def test_bad_input_is_refused_and_writes_nothing(engine, org) -> None:
    # One store for all cases: a fresh PostgreSQL store per case costs more than the case.
    _, project_id = make_customer_project(engine, org.rep)
    before = store_state(engine)
    for overrides, field, code in BAD_INPUT:
        with pytest.raises(CommandError) as refused:
            create_expense(engine, org.rep, expense(**{"project_id": project_id, **overrides}))
        assert refused.value.codes[field] == code, overrides
        assert refused.value.texts("en")[field] and refused.value.texts("zh_CN")[field]
    assert store_state(engine) == before


def test_customer_must_be_the_projects_customer(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    other_customer, _ = make_customer_project(engine, org.rep, "另一个客户")
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        create_expense(engine, org.rep, expense(project_id, customer_id=other_customer))
    assert refused.value.codes == {"customer_id": "expense_customer_mismatch"}
    assert "销售项目" in refused.value.texts("zh_CN")["customer_id"]
    assert store_state(engine) == before


def test_who_may_record_expenses_on_a_reps_project(engine, org) -> None:
    customer_id, project_id = make_customer_project(engine, org.rep)
    project_allowed = {"rep", "manager", "head", "executive", "finance", "admin"}
    customer_allowed = project_allowed | {"steward"}  # stewards see every customer
    for role in ("rep", *NOT_OWNER):
        actor = getattr(org, role)
        for link, allowed in (
            ({"project_id": project_id}, project_allowed),
            ({"customer_id": customer_id}, customer_allowed),
        ):
            before = store_state(engine)
            if role in allowed:
                expense_id = create_expense(engine, actor, expense(**link))
                with read_session(engine) as s:
                    assert s.get(Expense, expense_id).owner_id == actor
            else:
                with pytest.raises(Forbidden) as refused:
                    create_expense(engine, actor, expense(**link))
                assert refused.value.codes == {"__all__": "not_visible"}, (role, link)
                assert store_state(engine) == before


def test_only_the_system_records_for_someone_else(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    imported = create_expense(engine, None, expense(project_id, owner_id=org.rep), source="import")
    with read_session(engine) as s:
        assert s.get(Expense, imported).owner_id == org.rep
    with pytest.raises(Forbidden):
        create_expense(engine, org.manager, expense(project_id, owner_id=org.rep))
    with pytest.raises(CommandError) as refused:
        create_expense(engine, None, expense(project_id))
    assert refused.value.codes == {"owner_id": "required"}


def test_idempotent_resubmit_and_external_id(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    first = create_expense(engine, org.rep, expense(project_id), idempotency_key="exp-form-1")
    again = create_expense(engine, org.rep, expense(project_id), idempotency_key="exp-form-1")
    assert first == again
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Expense)) == 1
    create_expense(engine, org.rep, expense(project_id, external_id="erp-7"))
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        create_expense(engine, org.rep, expense(project_id, external_id="erp-7"))
    assert refused.value.codes == {"external_id": "duplicate"}
    assert store_state(engine) == before


def test_owner_updates_expense_and_report_total_follows(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    expense_id = create_expense(engine, org.rep, expense(project_id))
    other = create_expense(engine, org.rep, expense(project_id, amount=100))
    report_id = create_report(engine, org.rep, "报销", [expense_id, other])
    update_expense(engine, org.rep, expense_id, expense(project_id, amount="300.00"))
    with read_session(engine) as s:
        assert s.get(Expense, expense_id).amount == Decimal("300.00")
        report = s.get(ExpenseReport, report_id)
        assert report.total_amount == Decimal("400.00")
        audit = s.scalars(
            select(AuditLog).where(
                AuditLog.action == "expense.update", AuditLog.entity_id == expense_id
            )
        ).one()
        assert '"amount": "1234.56"' in audit.before and '"amount": "300.00"' in audit.after
    # saving the same values again writes nothing
    before = store_state(engine)
    update_expense(engine, org.rep, expense_id, expense(project_id, amount="300.00"))
    after = store_state(engine)
    assert {k: v for k, v in after.items() if k != "change_seq"} == {
        k: v for k, v in before.items() if k != "change_seq"
    }


def test_owner_deletes_expense_leaving_a_tombstone(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    expense_id = create_expense(engine, org.rep, expense(project_id))
    keep = create_expense(engine, org.rep, expense(project_id, amount=50))
    report_id = create_report(engine, org.rep, "报销", [expense_id, keep])
    delete_expense(engine, org.rep, expense_id)
    with read_session(engine) as s:
        assert s.get(Expense, expense_id) is None
        tomb = s.scalars(select(DeletedRow).where(DeletedRow.table_name == "expenses")).one()
        assert (tomb.row_id, tomb.deleted_by) == (expense_id, org.rep)
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "expense.delete")).one()
        assert audit.after is None and "1234.56" in audit.before
        assert s.get(ExpenseReport, report_id).total_amount == Decimal("50.00")


def test_only_the_owner_changes_an_expense(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    expense_id = create_expense(engine, org.rep, expense(project_id))
    before = store_state(engine)
    for role in NOT_OWNER:
        actor = getattr(org, role)
        with pytest.raises(Forbidden):
            update_expense(engine, actor, expense_id, expense(project_id, amount=1))
        with pytest.raises(Forbidden):
            delete_expense(engine, actor, expense_id)
    assert store_state(engine) == before


def test_expense_on_submitted_report_is_locked_until_rejected(engine, org, claim) -> None:
    line = claim["lines"][0]
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        update_expense(engine, org.rep, line, expense(claim["project"], amount=1))
    assert refused.value.codes == {"__all__": "report_status"}
    assert "已提交" in refused.value.texts("zh_CN")["__all__"]
    assert refused.value.texts("en")["__all__"] == "The report is submitted"
    with pytest.raises(CommandError):
        delete_expense(engine, org.rep, line)
    assert store_state(engine) == before
    reject_report(engine, org.manager, claim["report"], "发票缺失")
    update_expense(engine, org.rep, line, expense(claim["project"], amount=1))
    assert report_row(engine, claim["report"]).total_amount == Decimal("201.00")


# --- reports ----------------------------------------------------------------------------


def test_create_report_numbers_and_totals(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    lines = [create_expense(engine, org.rep, expense(project_id, amount=a)) for a in (10, "0.2")]
    report_id = create_report(engine, org.rep, "三月报销", [*lines, lines[0]])
    with read_session(engine) as s:
        report = s.get(ExpenseReport, report_id)
        assert report.report_no == f"BX{today():%Y%m%d}{report_id:06d}"
        assert (report.status, report.total_amount, report.version) == (
            "draft",
            Decimal("10.20"),
            1,
        )
        assert {e.report_id for e in s.scalars(select(Expense))} == {report_id}
        actions = s.scalars(select(AuditLog.action).where(AuditLog.actor_id == org.rep)).all()
        assert actions.count("expense.attach") == 2 and "expense_report.create" in actions


def test_report_refusals_write_nothing(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    _, their_project = make_customer_project(engine, org.rep2, "另一个")
    mine = create_expense(engine, org.rep, expense(project_id))
    theirs = create_expense(engine, org.rep2, expense(their_project))
    on_report = create_expense(engine, org.rep, expense(project_id))
    create_report(engine, org.rep, "已有", [on_report])
    before = store_state(engine)
    cases = [
        (("报销", []), {"expense_ids": "empty_report"}),
        (("", [mine]), {"title": "required"}),
        (("报销", [mine, theirs]), {"expense_ids": "expense_not_own"}),
        (("报销", [mine, on_report]), {"expense_ids": "expense_in_report"}),
        (("报销", [mine, 999_999]), {"expense_ids": "not_found"}),
    ]
    for args, codes in cases:
        with pytest.raises(CommandError) as refused:
            create_report(engine, org.rep, *args)
        assert refused.value.codes == codes
    assert store_state(engine) == before


def test_add_and_remove_while_draft_with_versions(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    a, b, c = (create_expense(engine, org.rep, expense(project_id, amount=n)) for n in (1, 2, 4))
    report_id = create_report(engine, org.rep, "报销", [a])
    add_to_report(engine, org.rep, report_id, [b, c], expected_version=1)
    assert report_row(engine, report_id).total_amount == Decimal("7.00")
    with pytest.raises(CommandError) as refused:
        remove_from_report(engine, org.rep, report_id, [b], expected_version=1)
    assert refused.value.codes == {"__all__": "stale"}
    remove_from_report(engine, org.rep, report_id, [b], expected_version=2)
    report = report_row(engine, report_id)
    assert (report.total_amount, report.version) == (Decimal("5.00"), 3)
    with read_session(engine) as s:
        assert s.get(Expense, b).report_id is None
    with pytest.raises(Forbidden):
        add_to_report(engine, org.manager, report_id, [b])
    submit_report(engine, org.rep, report_id)
    with pytest.raises(CommandError) as refused:
        add_to_report(engine, org.rep, report_id, [b])
    assert refused.value.codes == {"__all__": "report_status"}


def test_submit_writes_approval_row_and_resubmit_is_refused(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    report_id = create_report(
        engine, org.rep, "报销", [create_expense(engine, org.rep, expense(project_id))]
    )
    with pytest.raises(Forbidden):
        submit_report(engine, org.manager, report_id)
    submit_report(engine, org.rep, report_id, idempotency_key="submit-1")
    submit_report(engine, org.rep, report_id, idempotency_key="submit-1")  # a double click
    report = report_row(engine, report_id)
    assert report.status == "submitted" and report.submitted_at is not None
    assert approvals(engine, report_id) == [("submit", "submitted", org.rep)]
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        submit_report(engine, org.rep, report_id)
    assert refused.value.codes == {"__all__": "report_status"}
    assert store_state(engine) == before


def test_empty_draft_cannot_be_submitted_and_can_be_discarded(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    line = create_expense(engine, org.rep, expense(project_id))
    report_id = create_report(engine, org.rep, "报销", [line])
    remove_from_report(engine, org.rep, report_id, [line])
    with pytest.raises(CommandError) as refused:
        submit_report(engine, org.rep, report_id)
    assert refused.value.codes == {"expense_ids": "empty_report"}
    add_to_report(engine, org.rep, report_id, [line])
    delete_report(engine, org.rep, report_id)
    with read_session(engine) as s:
        assert s.get(ExpenseReport, report_id) is None
        assert s.get(Expense, line).report_id is None
        assert s.scalars(
            select(DeletedRow.row_id).where(DeletedRow.table_name == "expense_reports")
        ).all() == [report_id]


def test_full_approval_flow_and_voucher(engine, org, claim) -> None:
    report_id = claim["report"]
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        approve_report(engine, org.manager, report_id, expected_version=1)
    assert refused.value.codes == {"__all__": "stale"}
    assert store_state(engine) == before
    approve_report(engine, org.manager, report_id, "同意", expected_version=2)
    approve_report(engine, org.finance, report_id)
    mark_paid(engine, org.finance, report_id)
    assert report_row(engine, report_id).status == "paid"
    assert approvals(engine, report_id) == [
        ("submit", "submitted", org.rep),
        ("manager", "approved", org.manager),
        ("finance", "approved", org.finance),
        ("payment", "paid", org.finance),
    ]
    with read_session(engine) as s:
        actions = s.scalars(
            select(AuditLog.action).where(
                AuditLog.entity == "expense_reports", AuditLog.entity_id == report_id
            )
        ).all()
        assert {"expense_report.approve", "expense_report.pay"} <= set(actions)
        voucher = voucher_data(s, report_id)
    assert voucher["report"]["status_zh"] == "已支付"
    assert voucher["owner"] == {
        "id": org.rep,
        "name": "rep",
        "department_code": "north",
        "department_zh": "北方区",
        "department_en": "North Region",
    }
    assert [line["amount"] for line in voucher["lines"]] == ["1234.56", "200.00"]
    assert voucher["lines"][1]["category_zh"] == "餐费"
    assert voucher["lines"][0]["project_name"] == "华北电力项目"
    assert voucher["lines"][0]["customer_name"] == "华北电力"
    assert voucher["totals"]["total_amount"] == "1434.56"
    assert voucher["totals"]["total_in_chinese"] == "壹仟肆佰叁拾肆元伍角陆分"
    assert voucher["totals"]["by_category"] == {"meals": "200.00", "travel": "1234.56"}
    assert [(a["step"], a["actor_name"]) for a in voucher["approvals"]] == [
        ("submit", "rep"),
        ("manager", "mgr"),
        ("finance", "fin"),
        ("payment", "fin"),
    ]
    assert voucher["approvals"][1]["comment"] == "同意"
    with read_session(engine) as s, pytest.raises(CommandError) as refused:
        voucher_data(s, 424242)
    assert refused.value.codes == {"report_id": "not_found"}


def test_who_may_approve_each_step(engine, org, claim) -> None:
    report_id = claim["report"]
    others = ("rep2", "manager_b", "rep_b", "head", "executive", "finance", "steward", "admin")
    expected_step1 = {role: "not_submitter_manager" for role in others} | {"rep": "own_report"}
    expected_step2 = {role: "finance_only" for role in (*others, "manager") if role != "finance"}
    expected_step2["rep"] = "own_report"
    for step, expected, approver in (
        (1, expected_step1, "manager"),
        (2, expected_step2, "finance"),
    ):
        before = store_state(engine)
        for role, code in expected.items():
            for act in (approve_report, reject_report):
                with pytest.raises(Forbidden) as refused:
                    act(engine, getattr(org, role), report_id, "意见")
                assert refused.value.codes == {"__all__": code}, (step, role)
        assert store_state(engine) == before
        approve_report(engine, getattr(org, approver), report_id)
    before = store_state(engine)
    for role in ("rep", "rep2", "manager", "head", "executive", "steward", "admin"):
        with pytest.raises(Forbidden):
            mark_paid(engine, getattr(org, role), report_id)
    assert store_state(engine) == before
    mark_paid(engine, org.finance, report_id)


def test_reject_needs_a_comment_and_owner_resubmits(engine, org, claim) -> None:
    report_id = claim["report"]
    before = store_state(engine)
    with pytest.raises(CommandError) as refused:
        reject_report(engine, org.manager, report_id, "  ")
    assert refused.value.codes == {"comment": "blank"}
    assert store_state(engine) == before
    reject_report(engine, org.manager, report_id, "请补充发票")
    assert report_row(engine, report_id).status == "rejected"
    remove_from_report(engine, org.rep, report_id, [claim["lines"][1]])
    submit_report(engine, org.rep, report_id)
    approve_report(engine, org.manager, report_id)
    reject_report(engine, org.finance, report_id, "金额有误")
    submit_report(engine, org.rep, report_id)
    report = report_row(engine, report_id)
    assert (report.status, report.total_amount) == ("submitted", Decimal("1234.56"))
    assert [(step, decision) for step, decision, _ in approvals(engine, report_id)] == [
        ("submit", "submitted"),
        ("manager", "rejected"),
        ("submit", "submitted"),
        ("manager", "approved"),
        ("finance", "rejected"),
        ("submit", "submitted"),
    ]


def test_wrong_status_names_the_status_in_the_users_language(engine, org) -> None:
    _, project_id = make_customer_project(engine, org.rep)
    report_id = create_report(
        engine, org.rep, "报销", [create_expense(engine, org.rep, expense(project_id))]
    )
    with pytest.raises(CommandError) as refused:
        approve_report(engine, org.manager, report_id)
    assert refused.value.codes == {"__all__": "report_status"}
    assert refused.value.texts("zh_CN")["__all__"] == "报销单当前状态为“草稿”，不能执行此操作"
    assert refused.value.texts("en")["__all__"] == "The report is draft"
    submit_report(engine, org.rep, report_id)
    with pytest.raises(CommandError) as refused:
        mark_paid(engine, org.finance, report_id)
    assert "已提交" in refused.value.texts("zh_CN")["__all__"]
    approve_report(engine, org.manager, report_id)
    approve_report(engine, org.finance, report_id)
    with pytest.raises(CommandError) as refused:
        approve_report(engine, org.manager, report_id)
    assert "财务已审批" in refused.value.texts("zh_CN")["__all__"]


def test_without_an_active_manager_a_head_or_executive_approves(engine, org) -> None:
    # the executive has no manager: the department head signs step one
    _, project_id = make_customer_project(engine, org.executive)
    exec_report = create_report(
        engine, org.executive, "报销", [create_expense(engine, org.executive, expense(project_id))]
    )
    submit_report(engine, org.executive, exec_report)
    with pytest.raises(Forbidden) as refused:
        approve_report(engine, org.executive, exec_report)
    assert refused.value.codes == {"__all__": "own_report"}
    with pytest.raises(Forbidden):
        approve_report(engine, org.manager, exec_report)
    approve_report(engine, org.head, exec_report)
    # a rep whose manager left: the head or an executive signs instead
    _, rep_project = make_customer_project(engine, org.rep, "另一个")
    rep_report = create_report(
        engine, org.rep, "报销", [create_expense(engine, org.rep, expense(rep_project))]
    )
    submit_report(engine, org.rep, rep_report)
    disable_user(engine, None, org.manager)
    approve_report(engine, org.executive, rep_report)
    assert report_row(engine, rep_report).status == "manager_approved"


def test_finance_cannot_approve_or_pay_their_own_report(engine, org) -> None:
    finance2 = add_user(
        engine,
        None,
        UserInput(username="fin2", display_name="fin2", role="finance", password="secret-pass-1"),
    )
    customer_id, _ = make_customer_project(engine, org.rep)
    line = create_expense(engine, org.finance, expense(customer_id=customer_id))
    report_id = create_report(engine, org.finance, "财务报销", [line])
    submit_report(engine, org.finance, report_id)
    approve_report(engine, org.executive, report_id)  # finance's manager
    with pytest.raises(Forbidden) as refused:
        approve_report(engine, org.finance, report_id)
    assert refused.value.codes == {"__all__": "own_report"}
    approve_report(engine, finance2, report_id)
    with pytest.raises(Forbidden):
        mark_paid(engine, org.finance, report_id)
    mark_paid(engine, finance2, report_id)


# --- 大写金额 (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
        ("100", "壹佰元整"),
        ("10010.05", "壹万零壹拾元零伍分"),
        ("0", "零元整"),
        ("0.56", "伍角陆分"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("1.05", "壹元零伍分"),
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("105", "壹佰零伍元整"),
        ("1005", "壹仟零伍元整"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("100000", "壹拾万元整"),
        ("100500", "壹拾万零伍佰元整"),
        ("100000.01", "壹拾万元零壹分"),
        ("1000001", "壹佰万零壹元整"),
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("100010000", "壹亿零壹万元整"),
        ("120003400", "壹亿贰仟万零叁仟肆佰元整"),
        ("10000000000", "壹佰亿元整"),
        ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("1234.565", "壹仟贰佰叁拾肆元伍角柒分"),  # rounded half up to the fen
    ],
)
def test_amount_in_chinese(amount: str, text: str) -> None:
    assert amount_in_chinese(Decimal(amount)) == text


def test_amount_in_chinese_accepts_ints_and_strings() -> None:
    assert amount_in_chinese(20) == "贰拾元整"
    assert amount_in_chinese("3.4") == "叁元肆角"


@pytest.mark.parametrize("amount", ["-0.01", "1000000000000", "NaN", "abc"])
def test_amount_in_chinese_refuses_what_is_not_an_amount(amount: str) -> None:
    with pytest.raises(ValueError):
        amount_in_chinese(amount)
