"""The refresh as assets: store extraction → dbt (staging → intermediate → marts) → publish.

The extraction asset carries the dbt sources' keys (["store", <table>]), so Dagster shows a
single lineage graph from the operational store to the published snapshot.
"""

import json
import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from pydantic import Field, field_validator

from ingest.extract import extract
from ingest.store.models import ENTITY_TABLES
from orchestration import snapshots
from orchestration.as_of import iso_or_none, parse_as_of
from orchestration.dbt_runner import (
    BUILD,
    DBT_PROJECT_DIR,
    PARSE_STATE,
    TARGET_DIR_ENV,
    carry_parse_state,
    decide_full_build,
    record_incremental_models,
)
from orchestration.defs.resources import (
    DUCKDB_POOL,
    build_path,
    built_from,
    dbt_environment,
    record_built_from,
    store_engine,
)
from orchestration.spark_engine import SPARK_BUILD, finish_spark_build, write_raw_parquet
from orchestration.store_behind import rebuild_if_store_is_behind

SOURCE_NAME = "store"
KEEP_DBT_TARGETS = 5
PROJECT_FOLDERS = ("models", "macros", "snapshots", "tests", "seeds")


def dbt_project() -> DbtProject:
    return DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=os.environ.get(TARGET_DIR_ENV, "target"),
    )


def changed_since_parse(project: DbtProject) -> bool:
    """A project file is newer than the manifest: a model or test was edited or added.

    dagster-dbt re-parses on every load under `dagster dev` only (prepare_if_dev); `crm
    refresh` and the daemon load the definitions too, and a dbt start-up on each of those
    loads would cost seconds of every refresh. A stale manifest would give Dagster an asset
    graph without the newest models and tests, and a run would fail on the nodes it does
    not know."""
    parsed = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml"] + [
        path
        for folder in PROJECT_FOLDERS
        for path in (project.project_dir / folder).rglob("*")
        if path.suffix in (".sql", ".yml", ".yaml", ".csv")
    ]
    return any(path.stat().st_mtime > parsed for path in sources)


def prepare_manifest(project: DbtProject) -> Path:
    """The project's manifest, parsed by dagster-dbt's preparer first when it is missing (a
    fresh clone), when the project changed since, or on every load under `dagster dev`.

    The preparer holds a lock while it parses, so two processes starting at once (a
    schedule and `crm refresh`) do not write the manifest together; the second finds it
    written and parses no more. `dbt parse` needs no warehouse connection."""
    with parse_environment(project):
        project.prepare_if_dev()
        if not project.manifest_path.exists() or changed_since_parse(project):
            project.preparer.prepare(project)
    return project.manifest_path


@contextmanager
def parse_environment(project: DbtProject) -> Iterator[None]:
    """The environment dbt parses in: the one every refresh's dbt runs in (so the saved
    parse serves them all, see dbt_runner.carry_parse_state), and this venv's dbt first
    on PATH, the one the preparer starts, also where the venv is not activated."""
    target = project.project_dir / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    path = os.environ.get("PATH")
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), *filter(None, [path])])
    try:
        with dbt_environment(target / "build.duckdb"):
            yield
    finally:
        if path is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = path


class LayeredDbtTranslator(DagsterDbtTranslator):
    """dbt's models grouped by their layer, the folder under models/ that holds them
    (staging, intermediate, marts), and its snapshots as `snapshots`: the lineage graph
    reads as the warehouse's architecture rather than one `default` group."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        kind = dbt_resource_props["resource_type"]
        if kind == "snapshot":
            return "snapshots"
        fqn = dbt_resource_props["fqn"]  # [project, folder, ..., name]
        if kind == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


DBT_PROJECT = dbt_project()
MANIFEST_PATH = prepare_manifest(DBT_PROJECT)
MANIFEST = json.loads(MANIFEST_PATH.read_text())  # read once at load: it is megabytes

TRANSLATOR = LayeredDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class AsOfConfig(Config):
    """`as_of_date` as typed in the launchpad is text; it is checked before the step runs,
    and a run with a non-date fails without writing anything (orchestration.as_of)."""

    as_of_date: str | None = Field(
        default=None, description="The day the warehouse describes, YYYY-MM-DD; empty: today."
    )

    @field_validator("as_of_date")
    @classmethod
    def _a_date(cls, value: str | None) -> str | None:
        return iso_or_none(value)


class ExtractConfig(AsOfConfig):
    """Extraction ignores the date, but checks it: it runs first, so a bad date stops the
    run before raw is written."""

    full: bool = False


class DbtBuildConfig(AsOfConfig):
    full: bool = False
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="The engine that builds the models; a Spark build is always a full one "
        "(docs/architecture.md §5.6).",
    )


class PublishConfig(AsOfConfig):
    pass


@multi_asset(
    name="extract_store",
    specs=[
        AssetSpec(
            AssetKey([SOURCE_NAME, table.name]),
            group_name="store",
            kinds={"duckdb"},
            description=f"raw.{table.name}: the store's {table.name}, extracted incrementally.",
        )
        for table in ENTITY_TABLES
    ],
    pool=DUCKDB_POOL,
)
def extract_store(context: AssetExecutionContext, config: ExtractConfig) -> Iterator[Any]:
    """Bring raw up to date with the store (one read transaction, one DuckDB commit)."""
    if rebuild_if_store_is_behind(store_engine(), build_path()):
        context.log.warning("raw is ahead of the store (restored?): rebuilding in full")
    summary = extract(store_engine(), build_path(), full=config.full)
    loaded = {load.table: load for load in summary.tables}
    context.log.info(
        f"extracted {summary.rows} rows up to change {summary.high_watermark}"
        f"{' (full)' if config.full else ''}"
    )
    for table in ENTITY_TABLES:
        load = loaded.get(table.name)
        yield MaterializeResult(
            asset_key=AssetKey([SOURCE_NAME, table.name]),
            metadata={
                "rows_upserted": load.upserted if load else 0,
                "rows_deleted": load.deleted if load else 0,
                "high_watermark": summary.high_watermark,
                "full": config.full,
            },
        )


@dbt_assets(
    manifest=MANIFEST,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool=DUCKDB_POOL,
)
def crm_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """dbt build; a failing test fails this step, so publish (downstream) never runs."""
    build = build_path()
    spark = config.engine == "spark"
    if spark:
        write_raw_parquet(build)
    args = list(SPARK_BUILD if spark else BUILD)
    if decide_full_build(build, asked=config.full or spark):
        args.append("--full-refresh")
    runs = build.parent / "dagster_dbt"
    target = runs / context.run.run_id
    record_built_from(build)
    # the previous run's parse state, else the project's: dbt re-reads only changed files
    carry_parse_state(target, build.parent / PARSE_STATE)
    with dbt_environment(build, as_of=parse_as_of(config.as_of_date)):
        yield from dbt.cli(args, context=context, target_path=target).stream()
    if spark:
        finish_spark_build(build, target, as_of=parse_as_of(config.as_of_date))
    else:
        keep_parse(build, target)  # a Spark parse (another target) would not serve DuckDB's
        if context.selected_asset_keys == context.assets_def.keys:  # the whole project passed
            record_incremental_models(build)
    prune_dbt_targets(runs)


def keep_parse(build: Path, target: Path) -> None:
    state = target / PARSE_STATE
    if state.exists():
        partial = build.parent / f".{PARSE_STATE}.partial"
        shutil.copyfile(state, partial)
        partial.replace(build.parent / PARSE_STATE)


def prune_dbt_targets(runs: Path, keep: int = KEEP_DBT_TARGETS) -> None:
    """Each run's dbt target (compiled SQL, run_results.json) is kept for the last few runs."""
    folders = sorted((p for p in runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for stale in folders[:-keep]:
        shutil.rmtree(stale, ignore_errors=True)


def mart_keys() -> list[AssetKey]:
    """The asset keys of the marts group: every model under models/marts."""
    specs = [
        TRANSLATOR.get_asset_spec(MANIFEST, unique_id, DBT_PROJECT)
        for unique_id, node in MANIFEST["nodes"].items()
        if node["resource_type"] == "model"
    ]
    keys = [spec.key for spec in specs if spec.group_name == "marts"]
    return sorted(keys, key=lambda k: k.to_user_string())


MART_KEYS = mart_keys()
# Deal scoring (orchestration.defs.scoring) writes its tables into the marts after dbt.
SCORES_KEY = AssetKey("deal_scores")


@asset(
    key="published_snapshot",
    deps=[*MART_KEYS, SCORES_KEY],
    group_name="publish",
    kinds={"duckdb"},
    pool=DUCKDB_POOL,
)
def publish_snapshot(context: AssetExecutionContext, config: PublishConfig) -> MaterializeResult:
    """An immutable copy of the marts, swapped in atomically (snapshots.publish)."""
    build = build_path()
    snapshot = snapshots.publish(
        build,
        change_seq=built_from(build),
        as_of_date=parse_as_of(config.as_of_date),
    )
    return MaterializeResult(
        metadata={
            "version": snapshot.version,
            "file": MetadataValue.path(str(snapshot.path)),
            "parquet": MetadataValue.path(str(snapshot.parquet)),
            "change_seq": snapshot.change_seq,
            "published_at": snapshot.published_at,
            "as_of_date": snapshot.as_of_date,
        }
    )


def dashboard_specs() -> list[AssetSpec]:
    """The dashboards (the dbt exposures) as external assets fed by the published snapshot,
    so the lineage runs on to what users read."""
    return [
        AssetSpec(
            AssetKey(["dashboards", exposure["name"]]),
            deps=[publish_snapshot.key],
            group_name="dashboards",
            description=exposure.get("description") or exposure["label"],
            kinds={"streamlit"},
            metadata={"url": MetadataValue.url(exposure["url"])} if exposure.get("url") else {},
        )
        for exposure in sorted(MANIFEST["exposures"].values(), key=lambda e: e["name"])
    ]


DASHBOARDS = dashboard_specs()
