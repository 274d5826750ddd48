"""A foreign pipeline as a sales mode of its own, from a mapping's `sales_mode:` block or
`crm sales-mode add`. Creation goes through reference_admin (admins only); an import whose
mode already exists only checks that the stages it names are there."""

from __future__ import annotations

from sqlalchemy import Engine, select

from ingest.commands.base import Batch, CommandError, Forbidden
from ingest.commands.reference_admin import StageInput, create_sales_mode_with_stages
from ingest.importer.mapping import SalesModeSpec
from ingest.messages import Message
from ingest.store.models import SalesMode, Stage


def stage_inputs(spec: SalesModeSpec) -> list[StageInput]:
    return [
        StageInput(
            code=stage.code,
            name_zh=stage.name_zh,
            name_en=stage.name_en,
            default_probability=stage.probability,
            forecast_category=stage.forecast_category,
            is_won_stage=stage.is_won_stage,
        )
        for stage in spec.stages
    ]


def _renamed(error: CommandError, prefix: str) -> CommandError:
    """The command's field names as the YAML spells them (probability, not
    default_probability), under the block's place in the file."""
    errors = {}
    for name, message in error.errors.items():
        name = name.replace("default_probability", "probability")
        errors[f"{prefix}{name}" if name != "__all__" else name] = message
    return type(error)(errors)


def add_sales_mode(
    engine: Engine | None, actor_id: int | None, spec: SalesModeSpec, *, source: str = "cli"
) -> int:
    try:
        return create_sales_mode_with_stages(
            engine,
            actor_id,
            spec.code,
            spec.name_zh,
            spec.name_en,
            stage_inputs(spec),
            source=source,
        )
    except CommandError as error:
        raise _renamed(error, "") from error


def ensure_sales_mode(batch: Batch, spec: SalesModeSpec) -> bool:
    """Create the mode in the import's transaction; True when it was created."""
    session = batch.ctx.session
    mode = session.scalar(select(SalesMode).where(SalesMode.code == spec.code))
    if mode is None:
        try:
            batch.run(
                create_sales_mode_with_stages,
                spec.code,
                spec.name_zh,
                spec.name_en,
                stage_inputs(spec),
            )
        except Forbidden as error:
            message = Message("sales_mode_admin", {"code": str(spec.code)})
            raise Forbidden({"sales_mode": message}) from error
        except CommandError as error:
            raise _renamed(error, "sales_mode.") from error
        return True
    have = set(session.scalars(select(Stage.code).where(Stage.sales_mode_id == mode.id)))
    missing = {
        f"sales_mode.stages.{index}.code": Message(
            "stage_not_in_mode", {"mode": mode.code, "code": str(stage.code)}
        )
        for index, stage in enumerate(spec.stages)
        if stage.code not in have
    }
    if missing:
        raise CommandError(missing)
    return False
