"""Projects and their stage history from another system, closed ones included.

The app's project commands work in the present: a project starts today in its mode's first
stage and closes today. An import brings deals that were opened, moved and signed years
ago, so these commands take the source's dates while checking everything else the app
checks, with the same message codes: text rules, amount limits, a stage of the project's
own sales mode (by code or by name), a loss reason for a lost deal ("other" needs a note),
an amount and a signing date for a won one (which gets its contract), and no close before
the creation or after today.

The history a project gets is what the warehouse rebuilds stage durations from:

- the projects file gives a 'created' row at the source's creation time and, for a closed
  deal, a 'won' or 'lost' row at its closing date;
- a stage-history file adds the moves in between at their source timestamps. A move at the
  creation time tells the stage the project was created in; otherwise a project is taken to
  have started in its mode's first stage (as in the app) unless the first move names its
  `from_stage`. A move into the won stage dates the signing precisely. After each row the
  project's rows are re-chained in time order (each row's from-stage is the stage before).

Re-importing a changed project updates it like the app would (a stage move, a forecast
change, a close — each with its history row); a project already closed in the store only
takes changes to its name, description, budget and loss note.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ingest.commands.base import (
    MAX_AMOUNT,
    Checks,
    CommandError,
    Context,
    command,
    snapshot,
)
from ingest.commands.projects import (
    MAX_QUANTITY,
    NAME_MAX,
    NOTE_MAX,
    SELLER_ROLES,
    TEXT_MAX,
    add_contract,
    lookup,
)
from ingest.importer.common import (
    ImportRow,
    Outcome,
    apply_changes,
    code_of,
    earliest_time,
    load,
    require_importer,
    source_created_at,
)
from ingest.importer.resolve import memo
from ingest.importer.values import norm
from ingest.messages import Message
from ingest.store.models import (
    Contract,
    ContractLine,
    Customer,
    Industry,
    LossReason,
    Product,
    Project,
    ProjectStageHistory,
    Quote,
    QuoteLine,
    SalesMode,
    Stage,
    User,
    utcnow,
)

STATUSES = ("open", "won", "lost")
# What may still change on a project that is closed in the store.
CLOSED_EDITABLE = ("name", "description", "loss_note", "budget_amount")
CENT = Decimal("0.01")
# Store columns → the mapping's field names, for messages about a changed column.
FIELD_OF = {
    "customer_id": "customer",
    "owner_id": "owner",
    "stage_id": "stage",
    "sales_mode_id": "sales_mode",
    "industry_id": "industry",
    "loss_reason_id": "loss_reason",
}


# --- stages of a mode ---------------------------------------------------------------------


def mode_stages(ctx: Context, mode_id: int) -> list[Stage]:
    return memo(
        ctx,
        ("stages", mode_id),
        lambda: list(
            ctx.session.scalars(
                select(Stage)
                .where(Stage.sales_mode_id == mode_id)
                .order_by(Stage.stage_order, Stage.id)
            )
        ),
    )


def _stage_keys(ctx: Context) -> set[str]:
    """Codes and names of every stage of every mode: tells 'another mode's stage' from a
    name that is nobody's."""

    def keys() -> set[str]:
        found = set()
        for stage in ctx.session.scalars(select(Stage)):
            found |= {norm(stage.code), norm(stage.name_zh), norm(stage.name_en)}
        return found

    return memo(ctx, "stage_keys", keys)


def find_stage(ctx: Context, checks: Checks, field: str, mode_id: int, value: Any) -> Stage | None:
    """A stage of the mode by code, else by its Chinese or English name."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    stages = mode_stages(ctx, mode_id)
    exact = [stage for stage in stages if stage.code == text]
    if exact:
        return exact[0]
    key = norm(text)
    named = [s for s in stages if key in (norm(s.code), norm(s.name_zh), norm(s.name_en))]
    if len(named) == 1:
        return named[0]
    if named:
        checks.fail(field, "ambiguous_reference", value=text[:60], count=len(named))
    elif key in _stage_keys(ctx):
        checks.fail(field, "stage_other_mode")
    else:
        checks.fail(field, "invalid_choice", value=text[:40])
    return None


def first_stage(stages: list[Stage]) -> Stage | None:
    return next((s for s in stages if s.is_active and not s.is_won_stage), None)


def _last_open_stage(stages: list[Stage]) -> Stage | None:
    return next((s for s in reversed(stages) if s.is_active and not s.is_won_stage), None)


def _won_stage(stages: list[Stage]) -> Stage | None:
    won = [s for s in stages if s.is_won_stage]
    return next((s for s in won if s.is_active), won[-1] if won else None)


# --- product lines ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int
    unit_price: Decimal
    amount: Decimal

    @property
    def key(self) -> tuple[int, int, Decimal]:
        return (self.product_id, self.quantity, Decimal(self.unit_price).quantize(CENT))


def check_lines(ctx: Context, checks: Checks, items: list[tuple[Any, ...]]) -> list[Line]:
    """Items come resolved: (item number, product id, quantity text, price or None).
    Discontinued products are fine: the deal is history."""
    lines = []
    for number, product_id, quantity, price in items:
        local = Checks()
        count = local.integer(
            "quantity", 1 if quantity is None else quantity, minimum=1, maximum=MAX_QUANTITY
        )
        product = memo(
            ctx, ("product", product_id), lambda p=product_id: ctx.session.get(Product, p)
        )
        if price is None:
            unit_price = Decimal(product.list_price) if product is not None else None
        else:
            unit_price = local.amount("unit_price", price, allow_zero=True)
        if count is not None and unit_price is not None and count * unit_price > MAX_AMOUNT:
            local.fail("unit_price", "too_large", max=f"{MAX_AMOUNT:,}")
        if local.errors or product is None or count is None or unit_price is None:
            reason = next(iter(local.errors.values()), Message("not_found"))
            checks.fail("lines", "line_problem", line=number, reason=reason)
            continue
        amount = (count * unit_price).quantize(CENT)
        lines.append(Line(product.id, count, unit_price, amount))
    return lines


# --- projects -----------------------------------------------------------------------------


@dataclass
class Terms:
    """A project row, validated."""

    name: str
    customer: Customer
    owner: User
    mode: SalesMode
    stage: Stage  # where the project is now (the won stage for a won deal)
    entry_stage: Stage  # the stage it is taken to have been created in
    status: str
    industry_id: int
    expected_amount: Decimal
    expected_close_date: dt.date
    budget_amount: Decimal | None
    description: str | None
    loss_reason_id: int | None
    loss_note: str | None
    closed_date: dt.date | None
    created_at: dt.datetime
    won_amount: Decimal | None
    contract_no: str | None
    lines: list[Line] | None  # None: the mapping has no lines

    def columns(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "customer_id": self.customer.id,
            "owner_id": self.owner.id,
            "sales_mode_id": self.mode.id,
            "stage_id": self.stage.id,
            "status": self.status,
            "industry_id": self.industry_id,
            "expected_amount": self.expected_amount,
            "expected_close_date": self.expected_close_date,
            "budget_amount": self.budget_amount,
            "description": self.description,
            "loss_reason_id": self.loss_reason_id,
            "loss_note": self.loss_note,
            "closed_date": self.closed_date,
            "created_at": self.created_at,
        }


@command("import.project")
def import_project(ctx: Context, row: ImportRow) -> Outcome:
    require_importer(ctx)
    checks = row.checks()
    project = load(ctx, checks, Project, row.existing_id, "external_id")
    contract = None
    current: dict[str, Any] = {}
    if project is not None:
        contract = ctx.session.scalar(select(Contract).where(Contract.project_id == project.id))
        current = _current(ctx, project, contract)
    terms = _check(ctx, checks, {**current, **row.values}, row.values, project)
    if terms is None or checks.errors:
        checks.done()
    assert terms is not None
    if project is None:
        return _create(ctx, row, terms)
    return _update(ctx, row, project, contract, terms)


def _current(ctx: Context, project: Project, contract: Contract | None) -> dict[str, Any]:
    values = {
        "name": project.name,
        "customer": project.customer_id,
        "owner": project.owner_id,
        "sales_mode": code_of(ctx, SalesMode, project.sales_mode_id),
        "stage": ctx.session.get(Stage, project.stage_id).code,  # type: ignore[union-attr]
        "status": project.status,
        "industry": code_of(ctx, Industry, project.industry_id),
        "loss_reason": code_of(ctx, LossReason, project.loss_reason_id),
        "created_at": project.created_at,
    }
    for name in (
        "expected_amount",
        "expected_close_date",
        "budget_amount",
        "description",
        "loss_note",
        "closed_date",
    ):
        values[name] = getattr(project, name)
    if contract is not None:
        values.update(
            won_amount=contract.amount,
            signed_date=contract.signed_date,
            contract_no=contract.contract_no,
        )
    return values


def _check(
    ctx: Context,
    checks: Checks,
    v: dict[str, Any],
    source: dict[str, Any],
    project: Project | None,
) -> Terms | None:
    status = checks.choice("status", v.get("status") or "open", STATUSES)
    name = checks.text("name", v.get("name"), max_len=NAME_MAX)
    customer = load(ctx, checks, Customer, v.get("customer"), "customer")
    if v.get("customer") is None:
        checks.fail("customer", "required")
    owner = load(ctx, checks, User, v.get("owner"), "owner")
    if v.get("owner") is None:
        checks.fail("owner", "required")
    elif owner is not None:
        # A rep who has left may own a closed deal of the past, not an open one.
        if status == "open" and not owner.is_active:
            checks.fail("owner", "inactive")
        elif owner.role not in SELLER_ROLES:
            checks.fail("owner", "owner_not_sales")
    mode = lookup(ctx, checks, SalesMode, v.get("sales_mode"), "sales_mode")
    dates = _dates(v, source, status)
    created_at = source_created_at(checks, source.get("created_at"))
    if created_at is None or "created_at" in checks.errors:  # judge the rest by a sane time
        if project is not None:
            created_at = project.created_at
        elif "created_at" in checks.errors:
            created_at = utcnow()
        else:  # a historic deal the source does not date: its earliest date
            created_at = earliest_time(*dates.values()) or utcnow()
    industry_id = customer.industry_id if customer is not None else None
    if v.get("industry"):
        industry = lookup(ctx, checks, Industry, v.get("industry"), "industry")
        industry_id = industry.id if industry is not None else None
    # A lost deal often never had an amount (Salesforce and HubSpot export 0 or nothing):
    # it is kept at 0, which every pipeline and win/loss figure counts as no money.
    lost = status == "lost"
    expected_amount = checks.amount(
        "expected_amount", v.get("expected_amount"), required=not lost, allow_zero=lost
    )
    if expected_amount is None and lost and "expected_amount" not in checks.errors:
        expected_amount = Decimal("0.00")
    # Only an open deal needs an expected close date; a closed one's close date serves.
    expected_field = _field_of(dates, "expected_close_date")
    expected_close = checks.date(
        expected_field, dates.get("expected_close_date"), required=status == "open"
    )
    if expected_close is not None and expected_close < created_at.date():
        checks.fail(expected_field, "close_before_created")
    budget = checks.amount("budget_amount", v.get("budget_amount"), required=False)
    description = checks.text(
        "description", v.get("description"), required=False, max_len=TEXT_MAX, multiline=True
    )
    stage = entry_stage = None
    if mode is not None:
        stage, entry_stage = _check_stage(ctx, checks, mode, status, v.get("stage"))
    closing = _check_closing(ctx, checks, {**v, **dates}, source, status, created_at, project)
    lines = check_lines(ctx, checks, v["lines"] or []) if "lines" in v else None
    if checks.errors:
        return None
    if expected_close is None:
        expected_close = closing["closed_date"]
    return Terms(
        name=name,  # type: ignore[arg-type]
        customer=customer,  # type: ignore[arg-type]
        owner=owner,  # type: ignore[arg-type]
        mode=mode,
        stage=stage,  # type: ignore[arg-type]
        entry_stage=entry_stage,  # type: ignore[arg-type]
        status=status,
        industry_id=industry_id,  # type: ignore[arg-type]
        expected_amount=expected_amount,  # type: ignore[arg-type]
        expected_close_date=expected_close,  # type: ignore[arg-type]
        budget_amount=budget,
        description=description,
        created_at=created_at,
        lines=lines,
        **closing,
    )


def _dates(v: dict[str, Any], source: dict[str, Any], status: str) -> dict[str, Any]:
    """The deal's dates. Salesforce and HubSpot keep one close date (`close_date`): an open
    deal's expected close date, a closed deal's close date. A date the row names in its own
    field wins; one taken from `close_date` is marked so that its errors name that column."""
    names = ("expected_close_date", "closed_date", "signed_date")
    dates = {name: v[name] for name in names if name in v}
    if "close_date" in source:
        one = source["close_date"]
        target = "expected_close_date" if status == "open" else "closed_date"
        free = source.get(target) is None and (target != "closed_date" or not v.get("signed_date"))
        if free and (one is not None or dates.get(target) is None):  # empty: its column's fault
            dates[target] = one
            dates[_FROM_CLOSE_DATE] = target
    return dates


_FROM_CLOSE_DATE = "__from_close_date"


def _field_of(dates: dict[str, Any], name: str) -> str:
    """The field a date's error belongs to: its own, or `close_date` when taken from it."""
    return "close_date" if dates.get(_FROM_CLOSE_DATE) == name else name


def _check_stage(
    ctx: Context, checks: Checks, mode: SalesMode, status: str, value: Any
) -> tuple[Stage | None, Stage | None]:
    stages = mode_stages(ctx, mode.id)
    stage = find_stage(ctx, checks, "stage", mode.id, value)
    if "stage" in checks.errors:
        return None, None
    if status == "won":
        won = _won_stage(stages)
        if won is None:
            checks.fail("stage", "no_won_stage")
            return None, None
        # The source's stage of a won deal is the won stage or the one it was signed from.
        entry = stage if stage is not None and not stage.is_won_stage else _last_open_stage(stages)
        return won, entry or won
    if stage is None:
        stage = first_stage(stages)
        if stage is None:
            checks.fail("sales_mode", "no_stages")
            return None, None
    if stage.is_won_stage:
        checks.fail("stage", "won_stage_by_close")
    elif status == "open" and not stage.is_active:
        checks.fail("stage", "inactive")
    return stage, stage


def _check_closing(
    ctx: Context,
    checks: Checks,
    v: dict[str, Any],
    source: dict[str, Any],
    status: str,
    created_at: dt.datetime,
    project: Project | None,
) -> dict[str, Any]:
    closing: dict[str, Any] = {
        "loss_reason_id": None,
        "loss_note": checks.text(
            "loss_note", v.get("loss_note"), required=False, max_len=NOTE_MAX, multiline=True
        ),
        "closed_date": None,
        "won_amount": None,
        "contract_no": None,
    }
    if status == "lost":
        reason = lookup(ctx, checks, LossReason, v.get("loss_reason"), "loss_reason")
        if reason is not None and reason.code == "other" and closing["loss_note"] is None:
            checks.fail("loss_note", "required")  # "other" tells an analyst nothing
        closing["loss_reason_id"] = reason.id if reason is not None else None
        closing["closed_date"] = checks.date(
            _field_of(v, "closed_date"),
            v.get("closed_date"),
            not_future=True,
            not_before=created_at.date(),
        )
    elif status == "won":
        # Signed on the signing date; a source with only a close date signed then.
        only_closed = "signed_date" not in v and "closed_date" in v
        date_field = _field_of(v, "closed_date") if only_closed else "signed_date"
        closing["closed_date"] = checks.date(
            date_field,
            v.get("signed_date") or v.get("closed_date"),
            not_future=True,
            not_before=created_at.date(),
        )
        amount_field = "won_amount" if v.get("won_amount") not in (None, "") else "expected_amount"
        closing["won_amount"] = checks.amount(amount_field, v.get(amount_field))
        contract_no = checks.text("contract_no", v.get("contract_no"), required=False, max_len=40)
        taken = contract_no and ctx.session.scalar(
            select(Contract.project_id).where(Contract.contract_no == contract_no)
        )
        if taken and (project is None or taken != project.id):
            checks.fail("contract_no", "duplicate")
        closing["contract_no"] = contract_no
    else:
        for name in ("closed_date", "signed_date", "loss_reason", "won_amount"):
            if source.get(name) not in (None, ""):
                checks.fail(name, "project_not_closed")
    return closing


def _closing_time(closed: dt.date, after: dt.datetime) -> dt.datetime:
    """A close has a date only. Taken at the end of that day (never later than now), so the
    stage moves of the closing day come before it; and never before what precedes it."""
    end_of_day = dt.datetime.combine(closed, dt.time(23, 59, 59))
    return max(min(end_of_day, utcnow()), after)


def _record(
    ctx: Context,
    project: Project,
    change_type: str,
    at: dt.datetime,
    from_stage_id: int | None,
    to_stage_id: int | None = None,
    note: str | None = None,
    status: str | None = None,
) -> ProjectStageHistory:
    """projects.record_history, at a given time."""
    row = ProjectStageHistory(
        project_id=project.id,
        change_type=change_type,
        from_stage_id=from_stage_id,
        to_stage_id=to_stage_id or project.stage_id,
        changed_at=at,
        changed_by=ctx.actor.id,
        amount=project.expected_amount,
        expected_close_date=project.expected_close_date,
        status=status or project.status,
        note=note,
    )
    ctx.session.add(row)
    return row


def _create(ctx: Context, row: ImportRow, t: Terms) -> Outcome:
    project = ctx.add(
        Project(external_id=row.external_id, department_id=t.owner.department_id, **t.columns())
    )
    # The 'created' row shows the project as it was opened: open, in its entry stage.
    _record(ctx, project, "created", t.created_at, None, t.entry_stage.id, status="open")
    ctx.audit("project.create", project)
    if t.status == "won":
        _add_contract(ctx, project, t)
        _record(ctx, project, "won", _closing_time(t.closed_date, t.created_at), t.entry_stage.id)  # type: ignore[arg-type]
    elif t.status == "lost":
        at = _closing_time(t.closed_date, t.created_at)  # type: ignore[arg-type]
        _record(ctx, project, "lost", at, project.stage_id, note=t.loss_note)
    if t.lines and t.status != "won":
        _set_quote(ctx, project, row.external_id, t)
    return Outcome("created", project.id)


def _add_contract(ctx: Context, project: Project, t: Terms) -> Contract:
    lines = [
        ContractLine(
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            line_amount=line.amount,
        )
        for line in t.lines or []
    ]
    return add_contract(
        ctx,
        project,
        lines,
        contract_no=t.contract_no or f"HT{t.closed_date:%Y%m}{project.id:06d}",
        signed_date=t.closed_date,
        amount=t.won_amount,
        created_at=_closing_time(t.closed_date, t.created_at),  # type: ignore[arg-type]
    )


def _quote_note(external_id: str) -> str:
    return f"import {external_id}"


def _import_quote(ctx: Context, project: Project, external_id: str) -> Quote | None:
    return ctx.session.scalar(
        select(Quote).where(Quote.project_id == project.id, Quote.notes == _quote_note(external_id))
    )


def _set_quote(ctx: Context, project: Project, external_id: str, t: Terms) -> None:
    """An unsigned deal keeps its products on a quote, as in the app: a draft while open,
    rejected once lost. The import's quote is the one noted with the source id."""
    lines = t.lines or []
    quote = _import_quote(ctx, project, external_id)
    status = "rejected" if t.status == "lost" else "draft"
    total = sum((line.amount for line in lines), Decimal(0))
    if quote is None:
        quote = ctx.add(
            Quote(
                project_id=project.id,
                quote_no=f"pending-{uuid.uuid4().hex}",
                quote_date=t.created_at.date(),
                status=status,
                total_amount=total,
                notes=_quote_note(external_id),
            )
        )
        quote.quote_no = f"BJ{quote.quote_date:%Y%m%d}-{quote.id:06d}"
        ctx.audit("quote.create", quote)
    else:
        for old in ctx.session.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id)):
            ctx.delete("quote_line.delete", old)
        before = snapshot(quote)
        quote.status, quote.total_amount = status, total
        ctx.audit("quote.update", quote, before)
    for line in lines:
        added = ctx.add(
            QuoteLine(
                quote_id=quote.id,
                product_id=line.product_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount_rate=Decimal(0),
                line_amount=line.amount,
            )
        )
        ctx.audit("quote_line.create", added)


def _stored_lines(
    ctx: Context, project: Project, contract: Contract | None, external_id: str
) -> list[tuple[int, int, Decimal]]:
    if contract is not None:
        rows: Any = ctx.session.scalars(
            select(ContractLine).where(ContractLine.contract_id == contract.id)
        )
    else:
        quote = _import_quote(ctx, project, external_id)
        if quote is None:
            return []
        rows = ctx.session.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id))
    return sorted((r.product_id, r.quantity, Decimal(r.unit_price).quantize(CENT)) for r in rows)


def _update(
    ctx: Context, row: ImportRow, project: Project, contract: Contract | None, t: Terms
) -> Outcome:
    changed = {k: v for k, v in t.columns().items() if getattr(project, k) != v}
    contract_changes = []
    if contract is not None and t.status == "won":
        wanted = {"amount": t.won_amount, "signed_date": t.closed_date}
        if t.contract_no:
            wanted["contract_no"] = t.contract_no
        field_of = {"amount": "won_amount", "signed_date": "signed_date"}
        contract_changes = [
            field_of.get(k, k) for k, value in wanted.items() if getattr(contract, k) != value
        ]
    lines_changed = t.lines is not None and _stored_lines(
        ctx, project, contract, row.external_id
    ) != sorted(line.key for line in t.lines)
    if not changed and not contract_changes and not lines_changed:
        return Outcome("unchanged", project.id)
    if project.status != "open":
        refused = [FIELD_OF.get(k, k) for k in changed if k not in CLOSED_EDITABLE]
        refused += contract_changes + (["lines"] if lines_changed else [])
        if refused:
            raise CommandError({name: Message("project_closed") for name in refused})
        return apply_changes(ctx, project, changed, "project.update")
    if "sales_mode_id" in changed:
        raise CommandError.one("sales_mode", "mode_change")
    return _update_open(ctx, row, project, t, changed, lines_changed)


def _update_open(
    ctx: Context,
    row: ImportRow,
    project: Project,
    t: Terms,
    changed: dict[str, Any],
    lines_changed: bool,
) -> Outcome:
    """An open project the source shows moved on: the app's changes, each with its history
    row, at the time of the close when it closed, else now."""
    before = snapshot(project)
    history = history_rows(ctx, project.id)
    last = max(h.changed_at for h in history) if history else t.created_at
    at = _closing_time(t.closed_date, last) if t.closed_date else max(utcnow(), last)
    for name in ("name", "customer_id", "industry_id", "budget_amount", "description"):
        if name in changed:
            setattr(project, name, changed[name])
    if "created_at" in changed:
        project.created_at = t.created_at
        for h in history:
            if h.change_type == "created":
                h.changed_at = t.created_at
    if "owner_id" in changed:
        project.owner_id, project.department_id = t.owner.id, t.owner.department_id
        _record(ctx, project, "owner", at, project.stage_id)
    if t.status != "won" and "stage_id" in changed:
        from_stage_id, project.stage_id = project.stage_id, t.stage.id
        _record(ctx, project, "stage", at, from_stage_id)
    for name, change_type in (("expected_amount", "amount"), ("expected_close_date", "close_date")):
        if name in changed:
            setattr(project, name, changed[name])
            _record(ctx, project, change_type, at, project.stage_id)
    if t.status == "won":
        if t.entry_stage.id != project.stage_id:  # signed from a later stage than stored
            from_stage_id, project.stage_id = project.stage_id, t.entry_stage.id
            _record(ctx, project, "stage", at, from_stage_id)
        from_stage_id = project.stage_id
        project.status, project.stage_id, project.closed_date = "won", t.stage.id, t.closed_date
        _add_contract(ctx, project, t)
        _record(ctx, project, "won", at, from_stage_id)
    elif t.status == "lost":
        project.status, project.closed_date = "lost", t.closed_date
        project.loss_reason_id, project.loss_note = t.loss_reason_id, t.loss_note
        _record(ctx, project, "lost", at, project.stage_id, note=t.loss_note)
    if lines_changed and t.status != "won":
        _set_quote(ctx, project, row.external_id, t)
    ctx.audit("project.update", project, before)
    return Outcome("updated", project.id)


def history_rows(ctx: Context, project_id: int) -> list[ProjectStageHistory]:
    ctx.session.flush()
    return list(
        ctx.session.scalars(
            select(ProjectStageHistory)
            .where(ProjectStageHistory.project_id == project_id)
            .order_by(ProjectStageHistory.changed_at, ProjectStageHistory.id)
        )
    )
