"""The Dagster definitions: they load (also on a fresh clone), the graph runs from the store
to a published snapshot with every check green, and the change sensor waits its delay."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import dbt.adapters.factory as dbt_adapters_factory
import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    Definitions,
    build_sensor_context,
    materialize,
)
from dagster._core.test_utils import instance_for_test
from dagster._core.utils import make_new_run_id
from dagster_dbt import DbtProject
from sqlalchemy import text

from ingest.commands.customers import CustomerInput, create_customer
from ingest.extract import extract
from orchestration import snapshots
from orchestration.definitions import defs
from orchestration.defs.assets import (
    DBT_PROJECT,
    MANIFEST_PATH,
    MART_KEYS,
    TARGET_DIR_ENV,
    changed_since_parse,
    crm_dbt_assets,
    extract_store,
    prune_dbt_targets,
    publish_snapshot,
)
from orchestration.defs.checks import CHECKS, snapshot_is_fresh
from orchestration.defs.jobs import (
    full_refresh_job,
    full_schedule,
    incremental_refresh_job,
    incremental_schedule,
    refresh_config,
    store_changes_sensor,
)
from orchestration.defs.resources import DUCKDB_POOL, dbt_resource
from orchestration.defs.scoring import deal_scores

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store_env(story, warehouse, monkeypatch: pytest.MonkeyPatch):
    """The story store and the temporary warehouse, reachable through the environment."""
    engine, org, projects = story
    monkeypatch.setenv("CRM_STORE_URL", engine.url.render_as_string(hide_password=False))
    return engine, org, projects, warehouse


@pytest.fixture
def instance(tmp_path: Path):
    """A temporary Dagster instance (DAGSTER_HOME in tmp)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with instance_for_test(temp_dir=str(home)) as instance:
        yield instance


def test_definitions_load() -> None:
    Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {j.name for j in repo.get_all_jobs()} >= {"full_refresh_job", "incremental_refresh_job"}
    assert incremental_schedule.cron_schedule == "*/15 8-19 * * 1-5"
    assert incremental_schedule.execution_timezone == "Asia/Shanghai"
    assert full_schedule.cron_schedule == "0 2 * * *"
    assert full_refresh_job.config is not None and incremental_refresh_job.config is not None


def test_definitions_load_on_a_fresh_clone(tmp_path: Path) -> None:
    """No manifest yet: loading the definitions parses the dbt project first (with this
    venv's dbt, also where the venv is not on PATH); a changed project is parsed again."""
    target = tmp_path / "target"
    env = {**os.environ, TARGET_DIR_ENV: str(target), "CRM_DATA_DIR": str(tmp_path)}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != Path(sys.executable).parent
    )

    def load_definitions() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", "import orchestration.definitions"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    done = load_definitions()
    assert done.returncode == 0, done.stderr[-2000:]
    manifest = target / "manifest.json"
    assert manifest.exists()
    # a project file newer than the manifest: the next load parses again
    os.utime(manifest, (1_000_000_000, 1_000_000_000))
    assert changed_since_parse(DbtProject(DBT_PROJECT.project_dir, target_path=str(target)))
    again = load_definitions()
    assert again.returncode == 0, again.stderr[-2000:]
    assert manifest.stat().st_mtime > 1_000_000_000
    assert not changed_since_parse(DbtProject(DBT_PROJECT.project_dir, target_path=str(target)))


def test_graph_runs_from_the_store_through_dbt_to_publish() -> None:
    graph = defs.get_repository_def().asset_graph
    keys = graph.get_all_asset_keys()
    manifest = json.loads(MANIFEST_PATH.read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    sources = [s for s in manifest["sources"].values() if s["source_name"] == "store"]
    assert len(models) > 40 and len(sources) > 30
    # every dbt source is exactly an extraction output
    assert {AssetKey(["store", s["name"]]) for s in sources} == set(extract_store.keys)
    # every dbt model is an asset
    assert len(set(crm_dbt_assets.keys)) >= len(models)
    assert set(crm_dbt_assets.keys) <= keys
    assert AssetKey(["published_snapshot"]) in keys
    # extraction → staging → intermediate → marts → publish
    by_name = {k.path[-1]: k for k in crm_dbt_assets.keys}
    assert AssetKey(["store", "projects"]) in graph.get(by_name["stg_store__projects"]).parent_keys
    assert any(
        k.path[-1].startswith("int_") for k in graph.get(by_name["fct_opportunities"]).parent_keys
    )
    assert by_name["fct_opportunities"] in MART_KEYS
    # ... → deal scoring (its features and the forecast it weights) → publish
    assert set(graph.get(AssetKey(["published_snapshot"])).parent_keys) == {
        *MART_KEYS,
        deal_scores.key,
    }
    assert {k.path[-1] for k in graph.get(deal_scores.key).parent_keys} == {
        "fct_deal_features",
        "fct_forecast",
    }
    # ... → the dashboards, one per dbt exposure
    dashboards = {k for k in keys if k.path[0] == "dashboards"}
    assert AssetKey(["dashboards", "dashboard_pipeline"]) in dashboards
    assert len(dashboards) == len(manifest["exposures"]) >= 5
    for key in dashboards:
        assert set(graph.get(key).parent_keys) == {AssetKey(["published_snapshot"])}
    # every dbt data test is an asset check
    data_tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(crm_dbt_assets.check_keys) == len(data_tests) > 50
    # every DuckDB writer is in one pool
    for assets_def in (extract_store, crm_dbt_assets, deal_scores, publish_snapshot):
        assert {op.pool for op in [assets_def.op]} == {DUCKDB_POOL}
    assert DBT_PROJECT.manifest_path == MANIFEST_PATH


def test_dbt_assets_are_grouped_by_layer() -> None:
    """The lineage reads as the warehouse's layers: store → staging → intermediate → marts
    (and snapshots) → scoring → publish → dashboards; nothing is left in `default`."""
    groups = crm_dbt_assets.group_names_by_key
    assert set(groups.values()) == {"staging", "intermediate", "marts", "snapshots"}
    manifest = json.loads(MANIFEST_PATH.read_text())
    by_name = {k.path[-1]: group for k, group in groups.items()}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model":  # models/<layer>/...
            assert by_name[node["name"]] == node["original_file_path"].split("/")[1]
        elif node["resource_type"] == "snapshot":
            assert by_name[node["name"]] == "snapshots"
    assert by_name["stg_store__projects"] == "staging"
    assert by_name["fct_opportunities"] == "marts"
    assert {k for k, group in groups.items() if group == "marts"} == set(MART_KEYS)
    graph = defs.get_repository_def().asset_graph
    everything = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert everything == {
        "store",
        "staging",
        "intermediate",
        "marts",
        "snapshots",
        "scoring",
        "publish",
        "dashboards",
    }


def test_materialize_publishes_a_snapshot_with_every_check_passing(
    store_env, instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _org, projects, warehouse = store_env
    if True:
        result = materialize(
            [extract_store, crm_dbt_assets, deal_scores, publish_snapshot, *CHECKS],
            resources={"dbt": dbt_resource()},
            instance=instance,
            # a real date, as the launchpad carries it: text YYYY-MM-DD
            run_config=refresh_config(full=True, as_of=dt.date.today().isoformat()),
        )
        assert result.success
        evaluations = result.get_asset_check_evaluations()
        failed = {e.asset_check_key.name for e in evaluations if not e.passed}
        # three deals are too few to train on: the scoring's checks warn, nothing else fails
        assert failed == {"model_beats_stage_baselines", "model_is_calibrated"}
        names = {e.asset_check_key.name for e in evaluations}
        assert {"snapshot_is_fresh", "extraction_lag", "projects_reconcile"} <= names
        assert len(evaluations) > 100
        published = result.asset_materializations_for_node("published_snapshot")[0]
        assert published.metadata["version"].value == 1
        extracted = {
            m.asset_key: m.metadata for m in result.asset_materializations_for_node("extract_store")
        }
        assert extracted[AssetKey(["store", "projects"])]["rows_upserted"].value == len(projects)

    snapshot = snapshots.current(warehouse.parent)
    assert snapshot.version == 1
    assert snapshot.as_of_date == dt.date.today().isoformat()
    monkeypatch.setenv("CRM_SNAPSHOT_MAX_AGE_MINUTES", "0")
    assert not snapshot_is_fresh().passed
    with engine.connect() as con:
        counter = con.execute(text("SELECT value FROM change_counter")).scalar_one()
    assert snapshot.change_seq == counter


def test_a_launchpad_as_of_date_that_is_not_a_date_fails_and_writes_nothing(
    store_env, instance, tmp_path: Path
) -> None:
    _engine, _org, _projects, warehouse = store_env
    stolen = tmp_path / "stolen.csv"
    hostile = f"2024-01-01'; COPY (SELECT 42) TO '{stolen}' --"
    # the job's config as an operator edits it in the launchpad: every step's as_of_date
    launchpad = refresh_config(full=True)
    for step in launchpad["ops"].values():
        step["config"]["as_of_date"] = hostile
    job = defs.resolve_job_def("full_refresh_job")
    result = job.execute_in_process(run_config=launchpad, instance=instance, raise_on_error=False)

    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["extract_store"]  # the first step; the rest skip
    error = failures[0].step_failure_data.error
    messages = []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any("as_of_date: \"2024-01-01'; COPY" in m and "is not a date" in m for m in messages)
    assert not [e for e in result.all_events if e.is_step_success]
    assert not warehouse.exists() and not stolen.exists()
    with pytest.raises(snapshots.NoSnapshot):
        snapshots.current(warehouse.parent)


def _tick(instance: DagsterInstance, cursor: str | None = None):
    context = build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    return store_changes_sensor.evaluate_tick(context)


def test_sensor_requests_a_refresh_once_changes_have_waited(
    store_env, instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, org, _projects, warehouse = store_env
    extract(engine, warehouse)
    # raw is up to date
    assert not _tick(instance).run_requests

    create_customer(
        engine,
        org.rep,
        CustomerInput(
            name="南方电网", customer_type="end_user", industry="power", region="north_china"
        ),
    )
    # a change waits for the delay an admin set
    monkeypatch.setenv("CRM_REFRESH_DELAY_SECONDS", "300")
    assert not _tick(instance).run_requests

    # by default it waits for no more than a refresh in flight: the changes saved meanwhile
    # share the next one
    monkeypatch.delenv("CRM_REFRESH_DELAY_SECONDS")
    for job, status in [
        ("incremental_refresh_job", DagsterRunStatus.NOT_STARTED),
        ("full_refresh_job", DagsterRunStatus.STARTED),
    ]:
        run = instance.add_run(DagsterRun(job_name=job, run_id=make_new_run_id(), status=status))
        skipped = _tick(instance)
        assert not skipped.run_requests and run.run_id in skipped.skip_message
        instance.report_run_failed(run)

    # with none (a backup running is no refresh), one incremental run is requested
    instance.add_run(
        DagsterRun(job_name="backup_job", run_id=make_new_run_id(), status=DagsterRunStatus.STARTED)
    )
    fired = _tick(instance)
    assert len(fired.run_requests) == 1
    assert fired.run_requests[0].job_name in (None, "incremental_refresh_job")
    # ... and not again for the same changes
    assert not _tick(instance, fired.cursor).run_requests


def test_old_dbt_targets_are_pruned(tmp_path: Path) -> None:
    for i in range(7):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        os.utime(folder, (i, i))
    prune_dbt_targets(tmp_path, keep=5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"run{i}" for i in range(2, 7)]


def test_a_dbt_invocation_starts_only_dbt_itself(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """dagster-dbt would run `dbt --version` and open a dbt adapter in this process on
    every invocation (3 s of each refresh); the resource's overrides of those two private
    methods (orchestration/defs/resources.py) stop both. Through the public `cli`, so that
    an upgrade that renames or stops calling them fails here."""
    started: list[list[str]] = []
    adapters: list[object] = []
    real_popen = subprocess.Popen

    class RecordingPopen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, args, *rest, **kwargs) -> None:
            started.append([str(a) for a in args])
            super().__init__(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", RecordingPopen)
    monkeypatch.setattr(dbt_adapters_factory, "register_adapter", adapters.append)
    monkeypatch.setattr(dbt_adapters_factory, "get_adapter", adapters.append)

    resource = dbt_resource()
    invocation = resource.cli(["debug", "--config-dir"], target_path=tmp_path / "target").wait()

    assert invocation.is_successful()
    assert len(started) == 1 and "--version" not in started[0]
    assert started[0][:2] == [resource.dbt_executable, "debug"]
    assert adapters == []
