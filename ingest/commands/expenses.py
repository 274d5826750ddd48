"""Sales expenses and 费用报销单 (expense reimbursement forms) with their approvals.

A rep records expenses against a project and/or customer, gathers them on a report and
submits it; the submitter's manager approves first, finance second, then finance pays
(the survey: 上级审批 → 财务审批 → 打印报销凭证). Every step leaves an `expense_approvals`
row, which is the trail printed on the voucher (`voucher_data`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ingest.commands import access
from ingest.commands.base import (
    GENERAL,
    MAX_EXPENSE,
    Checks,
    CommandError,
    Conflict,
    Context,
    Forbidden,
    NotFound,
    as_id,
    check_version,
    command,
    snapshot,
    today,
)
from ingest.messages import Message
from ingest.store.models import (
    Customer,
    Department,
    Expense,
    ExpenseApproval,
    ExpenseReport,
    Project,
    User,
    utcnow,
)

CATEGORIES = (
    "travel",
    "accommodation",
    "meals",
    "entertainment",
    "transport",
    "gifts",
    "bidding",
    "other",
)
STATUSES = ("draft", "submitted", "manager_approved", "approved", "paid", "rejected")
# An expense may change, and a report may gain or lose expenses, only before submission
# or after a rejection sent it back to its owner.
EDITABLE = ("draft", "rejected")
# Who signs step one when the submitter has no (active) manager of their own.
FALLBACK_APPROVERS = ("department_head", "executive")


@dataclass
class ExpenseInput:
    category: str | None
    amount: Decimal | float | int | str | None
    incurred_date: dt.date | str | None
    project_id: int | None = None
    customer_id: int | None = None
    description: str | None = None
    external_id: str | None = None
    # Only the system actor (imports, demo data) records an expense for someone else.
    owner_id: int | None = None


def status_name(status: str, locale: str = "zh_CN") -> str:
    return Message(f"report_status_{status}").text(locale)


def category_name(category: str, locale: str = "zh_CN") -> str:
    return Message(f"expense_category_{category}").text(locale)


def _wrong_status(report: ExpenseReport) -> CommandError:
    message = Message("report_status", {"status": Message(f"report_status_{report.status}")})
    return CommandError({GENERAL: message})


# --- expenses ---------------------------------------------------------------------------


def _expense_fields(ctx: Context, data: ExpenseInput) -> dict[str, Any]:
    """Validate every field at once, then check the actor may see what it hangs on."""
    checks = Checks()
    fields: dict[str, Any] = {
        "category": checks.choice("category", data.category, CATEGORIES),
        "amount": checks.amount("amount", data.amount, maximum=MAX_EXPENSE),
        "incurred_date": checks.date("incurred_date", data.incurred_date, not_future=True),
        "description": checks.text(
            "description", data.description, required=False, max_len=1000, multiline=True
        ),
    }
    external_id = checks.text("external_id", data.external_id, required=False, max_len=100)
    project, customer = _link(ctx, checks, data)
    checks.done()
    if project is not None:
        access.require(access.can_see_project(ctx.session, ctx.actor, project), visible=False)
        customer = customer or ctx.get(Customer, project.customer_id, "customer_id")
    else:
        access.require(access.can_see_customer(ctx.session, ctx.actor, customer), visible=False)  # type: ignore[arg-type]
    fields["project_id"] = project.id if project is not None else None
    fields["customer_id"] = customer.id  # type: ignore[union-attr]
    if external_id is not None:
        fields["external_id"] = external_id
    return fields


def _link(
    ctx: Context, checks: Checks, data: ExpenseInput
) -> tuple[Project | None, Customer | None]:
    """The project and/or customer the expense is recorded against (field errors noted)."""
    found: dict[str, Any] = {}
    for field, model in (("project_id", Project), ("customer_id", Customer)):
        row_id = getattr(data, field)
        if row_id is None:
            continue
        try:
            found[field] = ctx.get(model, row_id, field)
        except CommandError as error:
            checks.errors.update(error.errors)
    project, customer = found.get("project_id"), found.get("customer_id")
    if data.project_id is None and data.customer_id is None:
        checks.fail("project_id", "link_required")
    if project is not None and customer is not None and customer.id != project.customer_id:
        checks.fail("customer_id", "expense_customer_mismatch")
    return project, customer


def _check_external_id(ctx: Context, external_id: str | None, own_id: int | None = None) -> None:
    if external_id is None:
        return
    taken = ctx.session.scalar(select(Expense.id).where(Expense.external_id == external_id))
    if taken is not None and taken != own_id:
        raise CommandError.one("external_id", "duplicate")


def _require_owner(ctx: Context, owner_id: int) -> None:
    if not ctx.actor.is_system and ctx.actor.id != owner_id:
        raise Forbidden.one(GENERAL, "forbidden")


def _require_editable(ctx: Context, expense: Expense) -> ExpenseReport | None:
    """The expense's report if it has one; refuses once that report was submitted."""
    if expense.report_id is None:
        return None
    report = ctx.get(ExpenseReport, expense.report_id, "report_id")
    if report.status not in EDITABLE:
        raise _wrong_status(report)
    return report


@command("expense.create")
def create_expense(ctx: Context, data: ExpenseInput) -> int:
    fields = _expense_fields(ctx, data)
    owner_id = ctx.actor.id
    if data.owner_id is not None and data.owner_id != ctx.actor.id:
        _require_owner(ctx, data.owner_id)  # only the system may record for another
        owner_id = ctx.get(User, data.owner_id, "owner_id").id
    if owner_id is None:
        raise CommandError.one("owner_id", "required")
    _check_external_id(ctx, fields.get("external_id"))
    expense = ctx.add(Expense(owner_id=owner_id, **fields))
    ctx.audit("expense.create", expense)
    return expense.id


@command("expense.update")
def update_expense(ctx: Context, expense_id: int, data: ExpenseInput) -> int:
    expense = ctx.get(Expense, expense_id, "expense_id")
    _require_owner(ctx, expense.owner_id)
    if data.owner_id is not None and data.owner_id != expense.owner_id:
        raise Forbidden.one("owner_id", "forbidden")
    report = _require_editable(ctx, expense)
    fields = _expense_fields(ctx, data)
    _check_external_id(ctx, fields.get("external_id"), expense.id)
    before = snapshot(expense)
    for key, value in fields.items():
        setattr(expense, key, value)
    if not ctx.session.is_modified(expense):
        return expense.id  # a repeated save of the same values writes nothing
    ctx.audit("expense.update", expense, before)
    if report is not None:
        _refresh_total(ctx, report, "expense_report.update_total")
    return expense.id


@command("expense.delete")
def delete_expense(ctx: Context, expense_id: int) -> int:
    expense = ctx.get(Expense, expense_id, "expense_id")
    _require_owner(ctx, expense.owner_id)
    report = _require_editable(ctx, expense)
    ctx.delete("expense.delete", expense)
    if report is not None:
        _refresh_total(ctx, report, "expense_report.update_total")
    return expense_id


# --- reports ----------------------------------------------------------------------------


def _report_lines(session: Session, report_id: int) -> list[Expense]:
    return list(
        session.scalars(
            select(Expense)
            .where(Expense.report_id == report_id)
            .order_by(Expense.incurred_date, Expense.id)
        )
    )


def _refresh_total(ctx: Context, report: ExpenseReport, action: str) -> None:
    """Keep the stored total equal to the sum of the report's lines."""
    ctx.session.flush()
    before = snapshot(report)
    total = sum((e.amount for e in _report_lines(ctx.session, report.id)), Decimal("0.00"))
    if report.total_amount is None or Decimal(report.total_amount) != total:
        report.total_amount = total
        ctx.audit(action, report, before)


def _claimable(ctx: Context, expense_ids: Iterable[int], report_id: int | None) -> list[Expense]:
    """The actor's own expenses that are on no other report, or a refusal naming why."""
    ids = _expense_ids(expense_ids)
    if not ids:
        raise CommandError.one("expense_ids", "empty_report")
    expenses = []
    for expense_id in ids:
        expense = ctx.get(Expense, expense_id, "expense_ids")
        if not ctx.actor.is_system and expense.owner_id != ctx.actor.id:
            raise Forbidden.one("expense_ids", "expense_not_own")
        if expense.report_id is not None and expense.report_id != report_id:
            raise Conflict.one("expense_ids", "expense_in_report")
        expenses.append(expense)
    return expenses


def _expense_ids(value: object) -> list[Any]:
    """The distinct ids of a list; each is checked where it is loaded (ctx.get)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise CommandError.one("expense_ids", "malformed")
    if any(as_id(item) is None for item in value):
        raise NotFound.one("expense_ids", "not_found")
    return list(dict.fromkeys(int(item) for item in value))  # type: ignore[call-overload]


def _attach(ctx: Context, report: ExpenseReport, expenses: list[Expense]) -> None:
    for expense in expenses:
        if expense.report_id == report.id:
            continue
        before = snapshot(expense)
        expense.report_id = report.id
        ctx.audit("expense.attach", expense, before)


def _editable_report(ctx: Context, report_id: int, expected_version: int | None) -> ExpenseReport:
    report = ctx.get(ExpenseReport, report_id, "report_id")
    _require_owner(ctx, report.owner_id)
    check_version(report, expected_version)
    if report.status not in EDITABLE:
        raise _wrong_status(report)
    return report


@command("expense_report.create")
def create_report(ctx: Context, title: str | None, expense_ids: list[int]) -> int:
    checks = Checks()
    title = checks.text("title", title)
    if not expense_ids:
        checks.fail("expense_ids", "empty_report")
    checks.done()
    if ctx.actor.is_system:
        raise Forbidden.one(GENERAL, "forbidden")  # a report is a person's claim
    expenses = _claimable(ctx, expense_ids, None)
    # The number embeds the id, known only after the insert; a placeholder keeps the
    # unique column satisfied until then.
    report = ctx.add(
        ExpenseReport(
            report_no=f"tmp-{uuid.uuid4().hex}",
            owner_id=ctx.actor.id,
            title=title,
            status="draft",
            total_amount=sum((e.amount for e in expenses), Decimal("0.00")),
        )
    )
    report_no = f"BX{today():%Y%m%d}{report.id:06d}"
    # A statement-level update leaves the version counter at 1 for the new row.
    ctx.session.execute(
        update(ExpenseReport)
        .where(ExpenseReport.id == report.id)
        .values(report_no=report_no)
        .execution_options(synchronize_session="evaluate")
    )
    _attach(ctx, report, expenses)
    ctx.audit("expense_report.create", report)
    return report.id


@command("expense_report.add")
def add_to_report(
    ctx: Context, report_id: int, expense_ids: list[int], expected_version: int | None = None
) -> int:
    report = _editable_report(ctx, report_id, expected_version)
    _attach(ctx, report, _claimable(ctx, expense_ids, report.id))
    _refresh_total(ctx, report, "expense_report.add")
    return report.id


@command("expense_report.remove")
def remove_from_report(
    ctx: Context, report_id: int, expense_ids: list[int], expected_version: int | None = None
) -> int:
    report = _editable_report(ctx, report_id, expected_version)
    for expense_id in _expense_ids(expense_ids):
        expense = ctx.get(Expense, expense_id, "expense_ids")
        if expense.report_id != report.id:
            raise NotFound.one("expense_ids", "not_found")
        before = snapshot(expense)
        expense.report_id = None
        ctx.audit("expense.detach", expense, before)
    _refresh_total(ctx, report, "expense_report.remove")
    return report.id


@command("expense_report.delete")
def delete_report(ctx: Context, report_id: int, expected_version: int | None = None) -> int:
    """Discard a draft that was never submitted; its expenses become free again."""
    report = _editable_report(ctx, report_id, expected_version)
    if report.status != "draft":
        raise _wrong_status(report)  # a rejected report keeps its approval trail
    for expense in _report_lines(ctx.session, report.id):
        before = snapshot(expense)
        expense.report_id = None
        ctx.audit("expense.detach", expense, before)
    ctx.session.flush()
    ctx.delete("expense_report.delete", report)
    return report_id


def _step(
    ctx: Context,
    report: ExpenseReport,
    action: str,
    new_status: str,
    step: str,
    decision: str,
    comment: str | None,
) -> int:
    """Move the report and record who did it, when and why (voucher trail + audit)."""
    before = snapshot(report)
    report.status = new_status
    if decision == "submitted":
        report.submitted_at = utcnow()
    ctx.audit(action, report, before)
    approval = ctx.add(
        ExpenseApproval(
            report_id=report.id,
            step=step,
            decision=decision,
            actor_id=ctx.actor.id,
            acted_at=utcnow(),
            comment=comment,
        )
    )
    ctx.audit(action, approval)
    return report.id


@command("expense_report.submit")
def submit_report(ctx: Context, report_id: int, expected_version: int | None = None) -> int:
    report = _editable_report(ctx, report_id, expected_version)
    if ctx.actor.is_system:
        raise Forbidden.one(GENERAL, "forbidden")
    if not _report_lines(ctx.session, report.id):
        raise CommandError.one("expense_ids", "empty_report")
    _refresh_total(ctx, report, "expense_report.update_total")
    return _step(ctx, report, "expense_report.submit", "submitted", "submit", "submitted", None)


def _manager_may_approve(ctx: Context, submitter: User) -> bool:
    """The submitter's manager signs step one; without an active one, a head or executive."""
    manager = ctx.session.get(User, submitter.manager_id) if submitter.manager_id else None
    if manager is not None and manager.is_active:
        return ctx.actor.id == manager.id
    return ctx.actor.role in FALLBACK_APPROVERS


def _approver_step(ctx: Context, report: ExpenseReport) -> str:
    """Which step the actor signs now ('manager' or 'finance'), or a refusal."""
    if ctx.actor.is_system:
        raise Forbidden.one(GENERAL, "forbidden")  # an approval is a person's signature
    if report.owner_id == ctx.actor.id:
        raise Forbidden.one(GENERAL, "own_report")
    if report.status == "submitted":
        submitter = ctx.get(User, report.owner_id, "report_id")
        if not _manager_may_approve(ctx, submitter):
            raise Forbidden.one(GENERAL, "not_submitter_manager")
        return "manager"
    if report.status == "manager_approved":
        if ctx.actor.role != "finance":
            raise Forbidden.one(GENERAL, "finance_only")
        return "finance"
    raise _wrong_status(report)


def _comment(comment: str | None, *, required: bool) -> str | None:
    checks = Checks()
    value = checks.text("comment", comment, required=required, max_len=1000, multiline=True)
    checks.done()
    return value


@command("expense_report.approve")
def approve_report(
    ctx: Context, report_id: int, comment: str | None = None, expected_version: int | None = None
) -> int:
    comment = _comment(comment, required=False)
    report = ctx.get(ExpenseReport, report_id, "report_id")
    step = _approver_step(ctx, report)
    check_version(report, expected_version)
    new_status = "manager_approved" if step == "manager" else "approved"
    return _step(ctx, report, "expense_report.approve", new_status, step, "approved", comment)


@command("expense_report.reject")
def reject_report(
    ctx: Context, report_id: int, comment: str | None, expected_version: int | None = None
) -> int:
    comment = _comment(comment, required=True)
    report = ctx.get(ExpenseReport, report_id, "report_id")
    step = _approver_step(ctx, report)
    check_version(report, expected_version)
    return _step(ctx, report, "expense_report.reject", "rejected", step, "rejected", comment)


@command("expense_report.pay")
def mark_paid(ctx: Context, report_id: int, expected_version: int | None = None) -> int:
    report = ctx.get(ExpenseReport, report_id, "report_id")
    if ctx.actor.is_system or ctx.actor.role != "finance":
        raise Forbidden.one(GENERAL, "finance_only")
    if report.owner_id == ctx.actor.id:
        raise Forbidden.one(GENERAL, "own_report")
    if report.status != "approved":
        raise _wrong_status(report)
    check_version(report, expected_version)
    return _step(ctx, report, "expense_report.pay", "paid", "payment", "paid", None)


# --- the voucher ------------------------------------------------------------------------


def voucher_data(session: Session, report_id: int) -> dict[str, Any]:
    """Everything the printed 报销凭证 shows, as plain JSON-friendly values.

    Amounts are strings with two decimals and times ISO strings, so the same dict feeds a
    PDF renderer, a Streamlit preview and a cache without conversion.
    """
    report = session.get(ExpenseReport, report_id)
    if report is None:
        raise NotFound.one("report_id", "not_found")
    owner = session.get(User, report.owner_id)
    department = session.get(Department, owner.department_id) if owner.department_id else None  # type: ignore[union-attr]
    lines = _report_lines(session, report.id)
    names = _link_names(session, lines)
    total = sum((e.amount for e in lines), Decimal("0.00"))
    by_category: dict[str, Decimal] = {}
    for expense in lines:
        by_category[expense.category] = by_category.get(expense.category, Decimal(0)) + (
            expense.amount
        )
    return {
        "report": {
            "id": report.id,
            "report_no": report.report_no,
            "title": report.title,
            "status": report.status,
            "status_zh": status_name(report.status, "zh_CN"),
            "status_en": status_name(report.status, "en"),
            "created_at": _iso(report.created_at),
            "submitted_at": _iso(report.submitted_at),
            "version": report.version,
        },
        "owner": {
            "id": owner.id,  # type: ignore[union-attr]
            "name": owner.display_name,  # type: ignore[union-attr]
            "department_code": department.code if department else None,
            "department_zh": department.name_zh if department else None,
            "department_en": department.name_en if department else None,
        },
        "lines": [
            {
                "no": number,
                "expense_id": expense.id,
                "incurred_date": expense.incurred_date.isoformat(),
                "category": expense.category,
                "category_zh": category_name(expense.category, "zh_CN"),
                "category_en": category_name(expense.category, "en"),
                "amount": _money(expense.amount),
                "description": expense.description,
                "project_id": expense.project_id,
                "project_name": names["projects"].get(expense.project_id),
                "customer_id": expense.customer_id,
                "customer_name": names["customers"].get(expense.customer_id),
            }
            for number, expense in enumerate(lines, start=1)
        ],
        "totals": {
            "line_count": len(lines),
            "total_amount": _money(total),
            "total_in_chinese": amount_in_chinese(total),
            "by_category": {k: _money(v) for k, v in sorted(by_category.items())},
        },
        "approvals": _approval_trail(session, report.id),
    }


def _link_names(session: Session, lines: list[Expense]) -> dict[str, dict[int | None, str]]:
    project_ids = {e.project_id for e in lines if e.project_id is not None}
    customer_ids = {e.customer_id for e in lines if e.customer_id is not None}
    projects = session.execute(select(Project.id, Project.name).where(Project.id.in_(project_ids)))
    customers = session.execute(
        select(Customer.id, Customer.name).where(Customer.id.in_(customer_ids))
    )
    return {"projects": dict(projects.all()), "customers": dict(customers.all())}  # type: ignore[arg-type]


def _approval_trail(session: Session, report_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ExpenseApproval, User.display_name)
        .join(User, User.id == ExpenseApproval.actor_id)
        .where(ExpenseApproval.report_id == report_id)
        .order_by(ExpenseApproval.acted_at, ExpenseApproval.id)
    ).all()
    return [
        {
            "step": approval.step,
            "decision": approval.decision,
            "actor_id": approval.actor_id,
            "actor_name": name,
            "acted_at": _iso(approval.acted_at),
            "comment": approval.comment,
        }
        for approval, name in rows
    ]


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


# --- 大写金额 ----------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_SECTIONS = ("", "万", "亿")
# 9999亿 is far above base.MAX_AMOUNT; larger numbers would need 万亿 and are not money here.
_LIMIT = Decimal("1000000000000")


def amount_in_chinese(amount: Decimal | int | str) -> str:
    """The capital-figure amount printed on vouchers and cheques (中文大写金额).

    Follows the PBOC writing rules (《支付结算办法》附件): 整 after 元 when there are no
    角/分; one 零 stands for any run of zeros inside the number; 零 between 元 and 分
    when 角 is zero; an amount below one yuan starts at 角 or 分. Amounts are rounded to
    the fen first.
    """
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {amount!r}") from error
    if not value.is_finite() or value < 0 or value >= _LIMIT:
        raise ValueError(f"amount out of range: {amount!r}")
    yuan = int(value)
    cents = int((value - yuan) * 100)
    jiao, fen = divmod(cents, 10)
    if yuan == 0 and cents == 0:
        return "零元整"
    text = _integer_in_chinese(yuan) + "元" if yuan else ""
    if cents == 0:
        return text + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text


def _integer_in_chinese(number: int) -> str:
    digits = [int(d) for d in str(number)]
    out: list[str] = []
    pending_zero = False
    section_used = False
    for index, digit in enumerate(digits):
        position = len(digits) - 1 - index
        if digit == 0:
            pending_zero = bool(out)
        else:
            if pending_zero:
                out.append("零")
                pending_zero = False
            out.append(_DIGITS[digit] + _UNITS[position % 4])
            section_used = True
        if position % 4 == 0 and position > 0:
            if section_used:
                out.append(_SECTIONS[position // 4])
            section_used = False
    return "".join(out)
