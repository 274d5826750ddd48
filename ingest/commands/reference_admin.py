"""Reference data is data an admin changes: lookups, sales modes and their stages.

Rows are never deleted, only deactivated (`is_active=False`): projects, leads and the
warehouse's history keep pointing at them, and their names keep their meaning there.
Codes are stable keys (the warehouse joins on them), so an upsert finds a row by code and
changes its names or flags, never its code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ingest.commands import access
from ingest.commands.base import (
    Checks,
    CommandError,
    Context,
    NotFound,
    as_code,
    command,
    form_list,
    snapshot,
)
from ingest.store.models import Department, LossReason, SalesMode, Stage
from ingest.store.reference import FORECAST_CATEGORIES, KINDS, LOSS_CATEGORIES

# The extra fields a kind accepts beyond code, names and is_active.
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {"department": ("parent",), "loss_reason": ("category",)}
CODE = re.compile(r"^[a-z0-9_]{2,40}$")
MAX_STAGE_ORDER = 99


@dataclass
class StageInput:
    code: str | None
    name_zh: str | None
    name_en: str | None
    default_probability: Decimal | float | str | None
    forecast_category: str | None
    is_won_stage: bool = False


# --- shared checks ----------------------------------------------------------------------


def _code(checks: Checks, field: str, value: str | None) -> str | None:
    if value is None or value == "":
        checks.fail(field, "required")
        return None
    if not isinstance(value, str) or not CODE.match(value):
        checks.fail(field, "invalid_code")
        return None
    return value


def _names(
    checks: Checks, name_zh: str | None, name_en: str | None, prefix: str = ""
) -> dict[str, str | None]:
    return {
        "name_zh": checks.text(f"{prefix}name_zh", name_zh, max_len=100),
        "name_en": checks.text(f"{prefix}name_en", name_en, max_len=100),
    }


def _probability(checks: Checks, field: str, value: Any) -> Decimal | None:
    number = checks.parsed(field, value, Decimal, "not_a_number")
    if number is None:
        return None
    if not number.is_finite() or not 0 <= number <= 1:
        checks.fail(field, "out_of_range", min=0, max=1)
        return None
    if number != number.quantize(Decimal("0.0001")):
        checks.fail(field, "probability_decimals")
        return None
    return number.quantize(Decimal("0.0001"))


def _find(ctx: Context, model: type, code: str, field: str) -> Any:
    """A row by code, active or not: admins also edit what is switched off."""
    key = as_code(code)
    row = ctx.session.scalar(select(model).where(model.code == key)) if key else None  # type: ignore[attr-defined]
    if row is None:
        raise NotFound.one(field, "invalid_choice", value=str(code)[:40])
    return row


def _save(ctx: Context, row: Any, values: dict[str, Any], is_new: bool) -> int:
    """Write the values; one audit row, and none at all when nothing changed."""
    before = None if is_new else snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    return _store(ctx, row, before, is_new, "reference")


def _store(ctx: Context, row: Any, before: dict[str, Any] | None, is_new: bool, entity: str) -> int:
    """Add a new row or audit a changed one as `<entity>.create` / `<entity>.update`; an
    unchanged row writes nothing."""
    if is_new:
        ctx.add(row)
        ctx.audit(f"{entity}.create", row)
    elif ctx.session.is_modified(row):
        ctx.audit(f"{entity}.update", row, before)
    return row.id


# --- lookups ----------------------------------------------------------------------------


@command("reference.upsert")
def upsert_lookup(
    ctx: Context,
    kind: str,
    code: str | None,
    name_zh: str | None,
    name_en: str | None,
    is_active: bool = True,
    **extra: Any,
) -> int:
    """Create a lookup row or change its names, flags or extra fields (parent, category)."""
    ctx.require_role("admin")
    checks = Checks()
    checks.choice("kind", kind, tuple(KINDS))
    code = _code(checks, "code", code)
    values: dict[str, Any] = {
        **_names(checks, name_zh, name_en),
        "is_active": checks.flag("is_active", is_active),
    }
    for key in extra:
        if key not in EXTRA_FIELDS.get(kind if isinstance(kind, str) else "", ()):
            checks.fail(key, "unknown_field")
    checks.done()
    model = KINDS[kind]
    row = ctx.session.scalar(select(model).where(model.code == code))  # type: ignore[attr-defined]
    is_new = row is None
    if is_new:
        row = model(code=code)
    if kind == "department" and "parent" in extra:
        values["parent_id"] = _parent_id(ctx, row, extra["parent"], is_new)
    if kind == "loss_reason":
        values["category"] = _loss_category(extra.get("category"), row, is_new)
    return _save(ctx, row, values, is_new)


def _parent_id(ctx: Context, row: Department, parent_code: str | None, is_new: bool) -> int | None:
    if not parent_code:
        return None
    parent = ctx.get_by_code(Department, parent_code, "parent")
    if not is_new and parent.id in access.department_ids(ctx.session, row.id):
        raise CommandError.one("parent", "department_cycle")
    return parent.id


def _loss_category(category: str | None, row: LossReason, is_new: bool) -> str:
    if category is None and not is_new:
        return row.category  # an edit of the names keeps the category
    checks = Checks()
    checks.choice("category", category, tuple(LOSS_CATEGORIES))
    checks.done()
    return category  # type: ignore[return-value]


@command("reference.deactivate")
def deactivate_lookup(ctx: Context, kind: str, code: str) -> int:
    """Switch a lookup row off: new records can no longer choose it, old ones keep it."""
    ctx.require_role("admin")
    checks = Checks()
    checks.choice("kind", kind, tuple(KINDS))
    checks.done()
    row = _find(ctx, KINDS[kind], code, "code")
    return _save(ctx, row, {"is_active": False}, is_new=False)


# --- sales modes and stages -------------------------------------------------------------


def _stage_values(checks: Checks, data: StageInput, prefix: str = "") -> dict[str, Any]:
    values = {
        "code": _code(checks, f"{prefix}code", data.code),
        **_names(checks, data.name_zh, data.name_en, prefix),
        "default_probability": _probability(
            checks, f"{prefix}default_probability", data.default_probability
        ),
        "forecast_category": checks.choice(
            f"{prefix}forecast_category", data.forecast_category, FORECAST_CATEGORIES
        ),
        "is_won_stage": checks.flag(f"{prefix}is_won_stage", data.is_won_stage),
    }
    # The won stage is the one the forecast counts as closed; no other stage may be.
    if values["forecast_category"] in FORECAST_CATEGORIES and (
        (values["forecast_category"] == "closed") != values["is_won_stage"]
    ):
        checks.fail(f"{prefix}forecast_category", "won_stage_category")
    return values


def _check_stage_fits(ctx: Context, mode: SalesMode, stage: Stage) -> None:
    """Within a mode's active stages: unique orders, one won stage, and it comes last."""
    if not stage.is_active:
        return
    others = [
        s
        for s in ctx.session.scalars(
            select(Stage).where(Stage.sales_mode_id == mode.id, Stage.is_active.is_(True))
        )
        if s is not stage
    ]
    if any(s.stage_order == stage.stage_order for s in others):
        raise CommandError.one("stage_order", "stage_order_taken")
    if stage.is_won_stage and any(s.is_won_stage for s in others):
        raise CommandError.one("is_won_stage", "one_won_stage")
    won = stage if stage.is_won_stage else next((s for s in others if s.is_won_stage), None)
    if won is not None and any(
        s.stage_order > won.stage_order for s in [*others, stage] if s is not won
    ):
        raise CommandError.one("stage_order", "won_stage_last")


@command("stage.upsert")
def upsert_stage(
    ctx: Context,
    sales_mode: str,
    code: str | None,
    name_zh: str | None,
    name_en: str | None,
    stage_order: int | str | None,
    default_probability: Decimal | float | str | None,
    forecast_category: str | None,
    is_won_stage: bool = False,
    is_active: bool = True,
) -> int:
    """Create a stage of a sales mode or change one (found by mode and stage code)."""
    ctx.require_role("admin")
    checks = Checks()
    values = _stage_values(
        checks,
        StageInput(code, name_zh, name_en, default_probability, forecast_category, is_won_stage),
    )
    values["stage_order"] = checks.integer(
        "stage_order", stage_order, minimum=1, maximum=MAX_STAGE_ORDER
    )
    values["is_active"] = checks.flag("is_active", is_active)
    mode = None
    try:
        mode = _find(ctx, SalesMode, sales_mode, "sales_mode")
    except CommandError as error:
        checks.errors.update(error.errors)
    checks.done()
    stage = ctx.session.scalar(
        select(Stage).where(Stage.sales_mode_id == mode.id, Stage.code == values["code"])  # type: ignore[union-attr]
    )
    is_new = stage is None
    if is_new:
        stage = Stage(sales_mode_id=mode.id)  # type: ignore[union-attr]
    with ctx.session.no_autoflush:
        before = None if is_new else snapshot(stage)
        for key, value in values.items():
            setattr(stage, key, value)
        _check_stage_fits(ctx, mode, stage)  # type: ignore[arg-type]
    return _store(ctx, stage, before, is_new, "stage")


@command("stage.deactivate")
def deactivate_stage(ctx: Context, sales_mode: str, code: str) -> int:
    ctx.require_role("admin")
    mode = _find(ctx, SalesMode, sales_mode, "sales_mode")
    key = as_code(code)
    stage = ctx.session.scalar(
        select(Stage).where(Stage.sales_mode_id == mode.id, Stage.code == key)
    )
    if stage is None or key is None:
        raise NotFound.one("code", "invalid_choice", value=str(code)[:40])
    before = snapshot(stage)
    stage.is_active = False
    return _store(ctx, stage, before, False, "stage")


@command("sales_mode.create_with_stages")
def create_sales_mode_with_stages(
    ctx: Context,
    code: str | None,
    name_zh: str | None,
    name_en: str | None,
    stages: list[StageInput],
) -> int:
    """A new sales mode and its stages in order, e.g. a foreign pipeline brought in as is.

    The last stage must be the won stage, and only it. Returns the mode's id.
    """
    ctx.require_role("admin")
    checks = Checks()
    code = _code(checks, "code", code)
    names = _names(checks, name_zh, name_en)
    if code and ctx.session.scalar(select(SalesMode.id).where(SalesMode.code == code)):
        checks.fail("code", "duplicate")
    forms = form_list(checks, "stages", stages, StageInput, "stages.{}")
    if not stages:
        checks.fail("stages", "required")
    rows = _stage_rows(checks, forms, len(stages) if isinstance(stages, list | tuple) else 0)
    checks.done()
    mode = ctx.add(SalesMode(code=code, is_active=True, **names))
    ctx.audit("reference.create", mode)
    for values in rows:
        stage = ctx.add(Stage(sales_mode_id=mode.id, is_active=True, **values))
        ctx.audit("stage.create", stage)
    return mode.id


def _stage_rows(
    checks: Checks, stages: list[tuple[int, StageInput]], count: int
) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for index, data in stages:
        prefix = f"stages.{index}."
        values = _stage_values(checks, data, prefix)
        values["stage_order"] = index + 1
        if values["code"] in seen:
            checks.fail(f"{prefix}code", "duplicate")
        seen.add(values["code"])
        is_last = index == count - 1
        if values["is_won_stage"] != is_last:
            checks.fail(f"{prefix}is_won_stage", "won_stage_last")
        rows.append(values)
    return rows
