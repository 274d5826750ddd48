"""Sales projects (销售项目): creation, assignment, stage promotions (阶段升迁), forecast
changes, closing won (a contract is generated) or lost (a failure reason is mandatory),
reopening, and the project team.

Every change of stage, amount, close date, owner or status leaves a
`project_stage_history` row holding the project's values at that moment: the warehouse
rebuilds stage durations, pipeline snapshots and forecast accuracy from these rows alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select

from ingest.commands import access
from ingest.commands.base import (
    GENERAL,
    MAX_AMOUNT,
    Checks,
    CommandError,
    Context,
    Forbidden,
    as_code,
    as_id,
    check_version,
    command,
    form_list,
    left_out,
    snapshot,
    today,
)
from ingest.store.models import (
    Contract,
    ContractLine,
    Customer,
    Industry,
    LossReason,
    Product,
    Project,
    ProjectMember,
    ProjectStageHistory,
    Quote,
    QuoteLine,
    SalesMode,
    Stage,
    User,
    utcnow,
)

# Roles that carry a sales quota and may therefore own projects (and leads).
SELLER_ROLES = ("rep", "manager", "department_head", "executive", "admin")
# Roles that may reopen a closed project or manage any project team in their reporting tree.
MANAGER_ROLES = ("manager", "department_head", "executive", "admin")
MEMBER_ROLES = ("sales", "presales_engineer", "service_engineer", "project_manager")

NAME_MAX = 200
TEXT_MAX = 4000
NOTE_MAX = 2000
MAX_QUANTITY = 1_000_000


class ProjectTerms(Protocol):
    """The commercial terms a project starts with, shared by a direct create and a lead's
    qualification."""

    name: str | None
    sales_mode: str | None
    expected_amount: Decimal | float | int | str | None
    expected_close_date: dt.date | str | None
    industry: str | None
    budget_amount: Decimal | float | int | str | None
    description: str | None


@dataclass
class ProjectInput:
    name: str | None
    customer_id: int | None
    sales_mode: str | None
    expected_amount: Decimal | float | int | str | None
    expected_close_date: dt.date | str | None
    industry: str | None = None
    budget_amount: Decimal | float | int | str | None = None
    description: str | None = None
    owner_id: int | None = None
    external_id: str | None = None


@dataclass
class LineInput:
    product_id: int | None
    quantity: int | str | None
    unit_price: Decimal | float | int | str | None


@dataclass
class CloseWonInput:
    amount: Decimal | float | int | str | None
    signed_date: dt.date | str | None
    contract_no: str | None = None
    # Lines come from the given quote, else from explicit lines, else from the project's
    # latest accepted quote (the contract is "generated from the project").
    quote_id: int | None = None
    lines: list[LineInput] = field(default_factory=list)
    notes: str | None = None


# --- shared helpers (also used by leads.qualify_lead) -----------------------------------


def lookup(ctx: Context, checks: Checks, model: type, code: str | None, name: str) -> Any:
    """Resolve a reference code, collecting the error instead of raising it."""
    try:
        return ctx.get_by_code(model, code, name)
    except CommandError as error:
        checks.errors.update(error.errors)
        return None


def first_stage(ctx: Context, sales_mode_id: int) -> Stage | None:
    """Where every project of a mode starts: its lowest active stage that is not 'won'."""
    return ctx.session.scalar(
        select(Stage)
        .where(
            Stage.sales_mode_id == sales_mode_id,
            Stage.is_active.is_(True),
            Stage.is_won_stage.is_(False),
        )
        .order_by(Stage.stage_order, Stage.id)
        .limit(1)
    )


def check_terms(
    ctx: Context, checks: Checks, data: ProjectTerms, default_industry_id: int | None
) -> dict[str, Any]:
    """Validate a project's opening terms; the values are None where a field failed."""
    terms: dict[str, Any] = {
        "name": checks.text("name", data.name, max_len=NAME_MAX),
        "expected_amount": checks.amount("expected_amount", data.expected_amount),
        "expected_close_date": checks.date(
            "expected_close_date", data.expected_close_date, not_before=today()
        ),
        "budget_amount": checks.amount("budget_amount", data.budget_amount, required=False),
        "description": checks.text(
            "description", data.description, required=False, max_len=TEXT_MAX, multiline=True
        ),
        "stage_id": None,
        "sales_mode_id": None,
        "industry_id": default_industry_id,
    }
    mode = lookup(ctx, checks, SalesMode, data.sales_mode, "sales_mode")
    if mode is not None:
        stage = first_stage(ctx, mode.id)
        if stage is None:
            checks.fail("sales_mode", "no_stages")
        else:
            terms["sales_mode_id"], terms["stage_id"] = mode.id, stage.id
    if not left_out(data.industry) or default_industry_id is None:
        industry = lookup(ctx, checks, Industry, data.industry, "industry")
        terms["industry_id"] = industry.id if industry is not None else None
    return terms


def load_owner(ctx: Context, owner_id: int | None) -> User:
    """An owner must be an active user with a sales role."""
    owner = ctx.get(User, owner_id, "owner_id")
    if not owner.is_active:
        raise CommandError.one("owner_id", "inactive")
    if owner.role not in SELLER_ROLES:
        raise CommandError.one("owner_id", "owner_not_sales")
    return owner


def require_may_hand_to(
    ctx: Context, new_owner: User, *, from_owner_id: int | None, department_id: int | None
) -> None:
    """Refuse giving a new record to `new_owner` unless the actor may assign to them.

    Taking a record oneself is always fine. Otherwise the same rule as reassigning a
    project applies, evaluated on an unsaved draft project (never added to the session).
    """
    if new_owner.id == ctx.actor.id:
        return
    draft = Project(owner_id=from_owner_id, department_id=department_id)
    if not access.may_assign_to(ctx.session, ctx.actor, draft, new_owner):
        raise Forbidden.one("owner_id", "owner_not_in_team")


def start_project(
    ctx: Context,
    terms: dict[str, Any],
    *,
    customer_id: int,
    owner: User,
    external_id: str | None = None,
) -> Project:
    """Insert an open project in its mode's first stage, with its 'created' history row."""
    project = ctx.add(
        Project(
            customer_id=customer_id,
            owner_id=owner.id,
            department_id=owner.department_id,
            status="open",
            external_id=external_id,
            **terms,
        )
    )
    record_history(ctx, project, "created", from_stage_id=None)
    ctx.audit("project.create", project)
    return project


def record_history(
    ctx: Context,
    project: Project,
    change_type: str,
    *,
    from_stage_id: int | None,
    note: str | None = None,
) -> None:
    """Keep the project's values as they are now, after the change."""
    ctx.session.add(
        ProjectStageHistory(
            project_id=project.id,
            change_type=change_type,
            from_stage_id=from_stage_id,
            to_stage_id=project.stage_id,
            changed_at=utcnow(),
            changed_by=ctx.actor.id,
            amount=project.expected_amount,
            expected_close_date=project.expected_close_date,
            status=project.status,
            note=note,
        )
    )


def check_note(checks: Checks, note: str | None) -> str | None:
    """The note a change may leave on its history row: optional, and it may run over lines."""
    return checks.text("note", note, required=False, max_len=NOTE_MAX, multiline=True)


def _external_id(ctx: Context, checks: Checks, model: type, value: str | None) -> str | None:
    external_id = checks.text("external_id", value, required=False, max_len=100)
    if external_id and ctx.session.scalar(
        select(model.id).where(model.external_id == external_id)  # type: ignore[attr-defined]
    ):
        checks.fail("external_id", "duplicate")
    return external_id


def _open_project(ctx: Context, project_id: int) -> Project:
    """Load a project the actor may work on and that is still open."""
    project = ctx.get(Project, project_id, "project_id")
    access.require_project(ctx.session, ctx.actor, project)
    if project.status != "open":
        raise CommandError.one(GENERAL, "project_closed")
    return project


def may_decide(ctx: Context, owner_id: int) -> bool:
    """Sales-manager decisions (qualify a lead, reopen a project): a manager for their
    team's records; department heads, executives and admins for any they see."""
    if ctx.actor.is_system or ctx.actor.role in ("department_head", "executive", "admin"):
        return True
    return ctx.actor.role == "manager" and owner_id in access.team_ids(ctx.session, ctx.actor)


def _is_manager_of(ctx: Context, user_id: int) -> bool:
    """The actor holds a manager-level role above `user_id` in the reporting tree."""
    if ctx.actor.is_system or ctx.actor.role == "admin":
        return True
    if ctx.actor.role not in MANAGER_ROLES:
        return False
    return user_id in access.team_ids(ctx.session, ctx.actor)


# --- creating and assigning --------------------------------------------------------------


@command("project.create")
def create_project(ctx: Context, data: ProjectInput) -> int:
    """A project entered directly, without a lead."""
    ctx.require_role(*SELLER_ROLES)
    checks = Checks()
    customer = None
    try:
        customer = ctx.get(Customer, data.customer_id, "customer_id")
    except CommandError as error:
        checks.errors.update(error.errors)
    default_industry = customer.industry_id if customer is not None else None
    terms = check_terms(ctx, checks, data, default_industry)
    external_id = _external_id(ctx, checks, Project, data.external_id)
    owner = None
    try:
        owner = load_owner(ctx, ctx.actor.id if data.owner_id is None else data.owner_id)
    except CommandError as error:
        checks.errors.update(error.errors)
    checks.done()
    # Both were looked up above; a failed lookup is among the errors `done` raised.
    assert customer is not None and owner is not None
    access.require_customer(ctx.session, ctx.actor, customer)
    require_may_hand_to(ctx, owner, from_owner_id=ctx.actor.id, department_id=None)
    project = start_project(
        ctx, terms, customer_id=customer.id, owner=owner, external_id=external_id
    )
    return project.id


@command("project.assign_owner")
def assign_owner(
    ctx: Context,
    project_id: int,
    new_owner_id: int | None,
    expected_version: int | None = None,
    note: str | None = None,
) -> int:
    """A manager hands a project to someone in their team (a department head: department)."""
    project = ctx.get(Project, project_id, "project_id")
    access.require_project(ctx.session, ctx.actor, project, work=False)
    ctx.require_role(*MANAGER_ROLES)
    if project.status != "open":
        raise CommandError.one(GENERAL, "project_closed")
    check_version(project, expected_version)
    checks = Checks()
    note = check_note(checks, note)
    checks.done()
    owner = load_owner(ctx, new_owner_id)
    if owner.id == project.owner_id:
        raise CommandError.one("owner_id", "nothing_changed")
    if not access.may_assign_to(ctx.session, ctx.actor, project, owner):
        raise Forbidden.one("owner_id", "owner_not_in_team")
    before = snapshot(project)
    project.owner_id = owner.id
    # The project follows its owner: department figures roll up by the owner's department.
    project.department_id = owner.department_id
    record_history(ctx, project, "owner", from_stage_id=project.stage_id, note=note)
    ctx.audit("project.assign_owner", project, before)
    return project.id


# --- working an open project -------------------------------------------------------------


def _target_stage(ctx: Context, project: Project, stage_code: str | None) -> Stage:
    if stage_code is None or stage_code == "":
        raise CommandError.one("stage", "required")
    code = as_code(stage_code)
    candidates = ctx.session.scalars(select(Stage).where(Stage.code == code)).all() if code else []
    stage = next((s for s in candidates if s.sales_mode_id == project.sales_mode_id), None)
    if stage is None:
        code = "stage_other_mode" if candidates else "invalid_choice"
        raise CommandError.one("stage", code, value=str(stage_code)[:40])
    if not stage.is_active:
        raise CommandError.one("stage", "inactive")
    if stage.is_won_stage:
        raise CommandError.one("stage", "won_stage_by_close")
    if stage.id == project.stage_id:
        raise CommandError.one("stage", "same_stage")
    return stage


@command("project.move_stage")
def move_stage(
    ctx: Context,
    project_id: int,
    stage_code: str | None,
    expected_version: int | None = None,
    note: str | None = None,
) -> int:
    """阶段升迁: forward or back (a slip back is real information) within the mode."""
    project = _open_project(ctx, project_id)
    check_version(project, expected_version)
    checks = Checks()
    note = check_note(checks, note)
    checks.done()
    stage = _target_stage(ctx, project, stage_code)
    before = snapshot(project)
    from_stage_id = project.stage_id
    project.stage_id = stage.id
    record_history(ctx, project, "stage", from_stage_id=from_stage_id, note=note)
    ctx.audit("project.move_stage", project, before)
    return project.id


@command("project.change_forecast")
def change_forecast(
    ctx: Context,
    project_id: int,
    expected_amount: Decimal | float | int | str | None = None,
    expected_close_date: dt.date | str | None = None,
    expected_version: int | None = None,
    note: str | None = None,
) -> int:
    """Change the expected amount and/or close date; one history row per changed value."""
    project = _open_project(ctx, project_id)
    check_version(project, expected_version)
    checks = Checks()
    amount = checks.amount("expected_amount", expected_amount, required=False)
    close_date = checks.date("expected_close_date", expected_close_date, required=False)
    note = check_note(checks, note)
    if close_date is not None and close_date < project.created_at.date():
        checks.fail("expected_close_date", "close_before_created")
    checks.done()
    changes = [
        (attr, value, change_type)
        for attr, value, change_type in (
            ("expected_amount", amount, "amount"),
            ("expected_close_date", close_date, "close_date"),
        )
        if value is not None and value != getattr(project, attr)
    ]
    if not changes:
        raise CommandError.one(GENERAL, "nothing_changed")
    before = snapshot(project)
    for attr, value, change_type in changes:
        # Applied one at a time so each row holds the values right after its own change.
        setattr(project, attr, value)
        record_history(ctx, project, change_type, from_stage_id=project.stage_id, note=note)
    ctx.audit("project.change_forecast", project, before)
    return project.id


# --- closing -----------------------------------------------------------------------------


def _won_stage(ctx: Context, sales_mode_id: int) -> Stage:
    stage = ctx.session.scalar(
        select(Stage)
        .where(Stage.sales_mode_id == sales_mode_id, Stage.is_won_stage.is_(True))
        .order_by(Stage.is_active.desc(), Stage.stage_order.desc())
        .limit(1)
    )
    if stage is None:
        raise CommandError.one(GENERAL, "no_won_stage")
    return stage


def _explicit_lines(ctx: Context, checks: Checks, lines: list[LineInput]) -> list[ContractLine]:
    built = []
    for i, line in form_list(checks, "lines", lines, LineInput, "lines.{}"):
        prefix = f"lines.{i}"
        product = None
        if line.product_id is None:
            checks.fail(f"{prefix}.product_id", "required")
        else:
            product_id = as_id(line.product_id)
            product = ctx.session.get(Product, product_id) if product_id else None
            if product is None:
                checks.fail(f"{prefix}.product_id", "not_found")
        quantity = checks.integer(
            f"{prefix}.quantity", line.quantity, minimum=1, maximum=MAX_QUANTITY
        )
        price = checks.amount(f"{prefix}.unit_price", line.unit_price, allow_zero=True)
        if product is None or quantity is None or price is None:
            continue
        line_amount = price * quantity
        if line_amount > MAX_AMOUNT:
            checks.fail(f"{prefix}.unit_price", "too_large", max=f"{MAX_AMOUNT:,}")
            continue
        built.append(
            ContractLine(
                product_id=product.id, quantity=quantity, unit_price=price, line_amount=line_amount
            )
        )
    return built


def _quote_lines(ctx: Context, quote: Quote) -> list[ContractLine]:
    # The quoted line amount already holds the discount; it is what the customer signs for.
    rows = ctx.session.scalars(
        select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(QuoteLine.id)
    )
    return [
        ContractLine(
            product_id=row.product_id,
            quantity=row.quantity,
            unit_price=row.unit_price,
            line_amount=row.line_amount,
        )
        for row in rows
    ]


def _contract_lines(
    ctx: Context, checks: Checks, project: Project, data: CloseWonInput
) -> list[ContractLine]:
    if data.lines and data.quote_id is not None:
        checks.fail("lines", "quote_or_lines")
        return []
    if data.lines:
        return _explicit_lines(ctx, checks, data.lines)
    if data.quote_id is not None:
        quote_id = as_id(data.quote_id)
        quote = ctx.session.get(Quote, quote_id) if quote_id else None
        if quote is None:
            checks.fail("quote_id", "not_found")
        elif quote.project_id != project.id:
            checks.fail("quote_id", "quote_other_project")
        else:
            return _quote_lines(ctx, quote)
        return []
    accepted = ctx.session.scalar(
        select(Quote)
        .where(Quote.project_id == project.id, Quote.status == "accepted")
        .order_by(Quote.quote_date.desc(), Quote.id.desc())
        .limit(1)
    )
    return _quote_lines(ctx, accepted) if accepted is not None else []


def _contract_no(
    ctx: Context, checks: Checks, project: Project, value: str | None, signed: dt.date | None
) -> str | None:
    contract_no = checks.text("contract_no", value, required=False, max_len=40)
    if contract_no is None and signed is not None:
        contract_no = f"HT{signed:%Y%m}{project.id:06d}"
    if contract_no and ctx.session.scalar(
        select(Contract.id).where(Contract.contract_no == contract_no)
    ):
        checks.fail("contract_no", "duplicate")
    return contract_no


def add_contract(
    ctx: Context, project: Project, lines: list[ContractLine], **fields: Any
) -> Contract:
    """The contract of a project closed won, with its lines: signed with the project's
    customer, owned by the project's owner (closing in the app and importing a won deal)."""
    contract = ctx.add(
        Contract(
            project_id=project.id,
            customer_id=project.customer_id,
            owner_id=project.owner_id,
            **fields,
        )
    )
    for line in lines:
        line.contract_id = contract.id
        ctx.session.add(line)
    ctx.audit("contract.create", contract)
    return contract


@command("project.close_won")
def close_won(
    ctx: Context, project_id: int, data: CloseWonInput, expected_version: int | None = None
) -> dict[str, int]:
    """Success: the contract (合同) is generated from the project and the project is won."""
    project = _open_project(ctx, project_id)
    check_version(project, expected_version)
    checks = Checks()
    amount = checks.amount("amount", data.amount)
    signed = checks.date(
        "signed_date", data.signed_date, not_future=True, not_before=project.created_at.date()
    )
    notes = checks.text("notes", data.notes, required=False, max_len=TEXT_MAX, multiline=True)
    contract_no = _contract_no(ctx, checks, project, data.contract_no, signed)
    lines = _contract_lines(ctx, checks, project, data)
    checks.done()
    won_stage = _won_stage(ctx, project.sales_mode_id)
    contract = add_contract(
        ctx, project, lines, contract_no=contract_no, signed_date=signed, amount=amount, notes=notes
    )
    before = snapshot(project)
    from_stage_id = project.stage_id
    project.status, project.stage_id, project.closed_date = "won", won_stage.id, signed
    record_history(ctx, project, "won", from_stage_id=from_stage_id, note=notes)
    ctx.audit("project.close_won", project, before)
    return {"contract_id": contract.id, "project_id": project.id}


@command("project.close_lost")
def close_lost(
    ctx: Context,
    project_id: int,
    loss_reason: str | None,
    note: str | None = None,
    closed_date: dt.date | str | None = None,
    expected_version: int | None = None,
) -> int:
    """Failure: a failure reason (失败原因) is mandatory; the stage stays where it was lost."""
    project = _open_project(ctx, project_id)
    check_version(project, expected_version)
    checks = Checks()
    reason = lookup(ctx, checks, LossReason, loss_reason, "loss_reason")
    note = check_note(checks, note)
    if reason is not None and reason.code == "other" and note is None:
        # "Other" tells an analyst nothing; the note is what makes it a reason.
        checks.fail("note", "required")
    closed = checks.date(
        "closed_date", closed_date or today(), not_future=True, not_before=project.created_at.date()
    )
    checks.done()
    before = snapshot(project)
    project.status, project.closed_date = "lost", closed
    project.loss_reason_id, project.loss_note = reason.id, note
    record_history(ctx, project, "lost", from_stage_id=project.stage_id, note=note)
    ctx.audit("project.close_lost", project, before)
    return project.id


def _stage_before_won(ctx: Context, project: Project) -> int:
    """The stage the project was in when it was closed won."""
    from_stage = ctx.session.scalar(
        select(ProjectStageHistory.from_stage_id)
        .where(
            ProjectStageHistory.project_id == project.id,
            ProjectStageHistory.change_type == "won",
        )
        .order_by(ProjectStageHistory.changed_at.desc(), ProjectStageHistory.id.desc())
        .limit(1)
    )
    if from_stage is not None:
        return from_stage
    # Imported history may lack the 'won' row: fall back to the last stage before signing.
    fallback = ctx.session.scalar(
        select(Stage.id)
        .where(Stage.sales_mode_id == project.sales_mode_id, Stage.is_won_stage.is_(False))
        .order_by(Stage.stage_order.desc())
        .limit(1)
    )
    return fallback if fallback is not None else project.stage_id


def _delete_contract(ctx: Context, project: Project) -> None:
    contract = ctx.session.scalar(select(Contract).where(Contract.project_id == project.id))
    if contract is None:
        return
    for line in ctx.session.scalars(
        select(ContractLine).where(ContractLine.contract_id == contract.id)
    ):
        ctx.session.delete(line)
    # Lines first: the foreign key forbids the contract going before them.
    ctx.session.flush()
    ctx.delete("contract.delete", contract)


@command("project.reopen")
def reopen(
    ctx: Context, project_id: int, note: str | None, expected_version: int | None = None
) -> int:
    """Undo a close. Manager-level only, since it rewrites win/loss figures already reported."""
    project = ctx.get(Project, project_id, "project_id")
    access.require_project(ctx.session, ctx.actor, project, work=False)
    if not may_decide(ctx, project.owner_id):
        raise Forbidden.one(GENERAL, "forbidden")
    if project.status == "open":
        raise CommandError.one(GENERAL, "project_not_closed")
    check_version(project, expected_version)
    checks = Checks()
    note = checks.text("note", note, max_len=NOTE_MAX, multiline=True)
    checks.done()
    before = snapshot(project)
    from_stage_id = project.stage_id
    if project.status == "won":
        # Before touching the project: the deletes flush, and one command is one version.
        _delete_contract(ctx, project)
        project.stage_id = _stage_before_won(ctx, project)
    project.status, project.closed_date = "open", None
    project.loss_reason_id, project.loss_note = None, None
    record_history(ctx, project, "reopened", from_stage_id=from_stage_id, note=note)
    ctx.audit("project.reopen", project, before)
    return project.id


# --- the project team --------------------------------------------------------------------


def _team_project(ctx: Context, project_id: int) -> Project:
    """A project whose team the actor may change: its owner or a manager above the owner."""
    project = ctx.get(Project, project_id, "project_id")
    access.require_project(ctx.session, ctx.actor, project, work=False)
    if project.owner_id != ctx.actor.id and not _is_manager_of(ctx, project.owner_id):
        raise Forbidden.one(GENERAL, "forbidden")
    return project


@command("project.add_member")
def add_member(ctx: Context, project_id: int, user_id: int | None, member_role: str | None) -> int:
    project = _team_project(ctx, project_id)
    checks = Checks()
    role = checks.choice("member_role", member_role, MEMBER_ROLES)
    checks.done()
    user = ctx.get(User, user_id, "user_id")
    if not user.is_active:
        raise CommandError.one("user_id", "inactive")
    already = ctx.session.scalar(
        select(func.count())
        .select_from(ProjectMember)
        .where(ProjectMember.project_id == project.id, ProjectMember.user_id == user.id)
    )
    if already or user.id == project.owner_id:
        raise CommandError.one("user_id", "already_member")
    member = ctx.add(ProjectMember(project_id=project.id, user_id=user.id, member_role=role))
    ctx.audit("project.add_member", member)
    return member.id


@command("project.remove_member")
def remove_member(ctx: Context, project_id: int, user_id: int | None) -> int:
    project = _team_project(ctx, project_id)
    member_id = as_id(user_id)
    member = ctx.session.scalar(
        select(ProjectMember).where(
            ProjectMember.project_id == project.id, ProjectMember.user_id == member_id
        )
    )
    if member is None:
        raise CommandError.one("user_id", "not_member")
    member_id = member.id
    ctx.delete("project.remove_member", member)
    return member_id
