"""Running the dbt project: paths, arguments and the results of a build."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from ingest.settings import snapshot_storage_version
from orchestration.as_of import iso_or_none

DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
INCREMENTAL_FILE = "incremental_models.sha256"
# A refresh runs the models and their data tests. Unit tests check the models' SQL, not
# the data: they run in the project's own tests (tests/orchestration/test_dbt_unit_tests.py),
# not on every refresh, where they cost a fifth of the build.
BUILD = ["build", "--exclude-resource-type", "unit_test"]
# libyaml when built in: the fingerprint reads every model YAML twice per refresh
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# The dbt project's own target folder (relative to the project unless absolute), where the
# parse Dagster reads its definitions from lives; CRM_DBT_TARGET_DIR exists for tests and
# deployments.
TARGET_DIR_ENV = "CRM_DBT_TARGET_DIR"
PARSE_STATE = "partial_parse.msgpack"
WAREHOUSE_DIR_ENV = "CRM_WAREHOUSE_DIR"


def dbt_executable() -> str:
    """`crm-dbt`, the venv's dbt started in the warehouse's folder (orchestration.warehouse_dbt),
    so a refresh works without an activated venv."""
    return str(Path(sys.executable).parent / "crm-dbt")


def marts_path(warehouse: Path) -> Path:
    """The marts' own database file, beside the build file."""
    return warehouse.parent / "marts.duckdb"


def dbt_env(warehouse: Path, *, as_of: dt.date | str | None = None) -> dict[str, str]:
    """The environment of a dbt process working on `warehouse`.

    dbt runs in the warehouse's folder and the profile names the files relative to it, so
    every warehouse renders the same profile: a parse of the project serves them all
    (carry_parse_state). The day a refresh describes is an environment variable rather than
    a dbt var for the same reason: a new var makes dbt parse the whole project again, a
    changed environment variable only the files that read it."""
    return {
        **os.environ,
        WAREHOUSE_DIR_ENV: str(warehouse.parent),
        "CRM_WAREHOUSE_PATH": warehouse.name,
        "CRM_MARTS_PATH": marts_path(warehouse).name,
        "CRM_AS_OF_DATE": iso_or_none(as_of) or "",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt_args(
    words: list[str],
    warehouse: Path,
    *,
    full: bool = False,
    target_dir: str = "dbt_target",
) -> list[str]:
    """Arguments of a dbt command whose target and logs live beside the warehouse file; a
    target folder without a saved parse gets the project's first (carry_parse_state)."""
    target = warehouse.parent / target_dir
    carry_parse_state(target)
    args = [
        *words,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(warehouse.parent / "dbt_logs"),
    ]
    if full:
        args.append("--full-refresh")
    return args


def project_parse_state() -> Path:
    target = Path(os.environ.get(TARGET_DIR_ENV, "target"))
    return (DBT_PROJECT_DIR / target) / PARSE_STATE


def carry_parse_state(target: Path, *kept: Path) -> None:
    """Give a dbt target folder without parse state the first one found of `kept` and the
    project's own: dbt then re-reads only the files changed since, not the whole project
    (about 6 s of every new warehouse's first build, and of each Dagster run's folder)."""
    if (target / PARSE_STATE).exists():
        return
    for state in (*kept, project_parse_state()):
        if state.exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(state, target / PARSE_STATE)
            return


@dataclass
class BuildResult:
    models: int
    tests_passed: int
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


def read_results(warehouse: Path, target_dir: str = "dbt_target") -> BuildResult:
    return results_of(warehouse.parent / target_dir / "run_results.json")


def results_of(run_results: Path) -> BuildResult:
    """Models built, tests passed and failures of one dbt invocation's run_results.json."""
    results = json.loads(run_results.read_text())
    models = tests = 0
    failures = []
    for result in results["results"]:
        kind = result["unique_id"].split(".")[0]
        if result["status"] in ("error", "fail", "runtime error"):
            failures.append(f"{result['unique_id']}: {(result.get('message') or '').strip()}")
        elif kind in ("model", "snapshot") and result["status"] == "success":
            models += 1
        elif kind in ("test", "unit_test") and result["status"] == "pass":
            tests += 1
    return BuildResult(models=models, tests_passed=tests, failures=failures)


def run_dbt_build(
    warehouse: Path,
    *,
    full: bool,
    as_of: dt.date | str | None,
    words: list[str] = BUILD,
    target_dir: str = "dbt_target",
) -> BuildResult:
    """dbt build in a child process; its log goes to dbt_logs, its verdict to the result.
    Incremental models that changed since the last build are rebuilt from scratch."""
    results_file = warehouse.parent / target_dir / "run_results.json"
    results_file.unlink(missing_ok=True)
    full = decide_full_build(warehouse, asked=full)
    done = subprocess.run(
        [dbt_executable(), *dbt_args(words, warehouse, full=full, target_dir=target_dir)],
        env=dbt_env(warehouse, as_of=as_of),
        capture_output=True,
        text=True,
        check=False,
    )
    if not results_file.exists():
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise RuntimeError("dbt build did not run: " + " | ".join(tail))
    result = read_results(warehouse, target_dir)
    if done.returncode != 0 and not result.failures:
        result.failures.append(
            done.stdout.strip().splitlines()[-1] if done.stdout else "dbt failed"
        )
    if result.ok:
        record_incremental_models(warehouse)
    return result


def incremental_models_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """The SQL and the declared columns of every incremental model.

    Incremental tables are only ever added to: when a model's SQL or columns change (a
    new version of the product), the rows already built no longer fit it, so the next
    build must rebuild them all (dbt would otherwise fail on the new columns)."""
    models = project_dir / "models"
    shape: dict[str, list] = {
        path.stem: [hashlib.sha256(path.read_bytes()).hexdigest()]
        for path in sorted(models.rglob("*.sql"))
        if "materialized='incremental'" in path.read_text()
    }
    for path in sorted(models.rglob("*.yml")):
        for model in (yaml.load(path.read_text(), Loader=_YAML_LOADER) or {}).get("models", []):
            if model["name"] in shape:
                shape[model["name"]].append([c["name"] for c in model.get("columns", [])])
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()


def decide_full_build(warehouse: Path, *, asked: bool) -> bool:
    """Whether a build is full: asked for, or the incremental models changed since the
    warehouse was built. A full build starts with a new marts file."""
    full = asked or incremental_models_changed(warehouse)
    if full:
        start_marts_afresh(warehouse)
    return full


def start_marts_afresh(warehouse: Path) -> None:
    """Before a full build: a new marts file instead of rewriting every table inside the
    old one, whose freed space DuckDB keeps. It is created in the snapshots' storage
    version, which DuckDB keeps for a file's life, so that publishing copies it whole."""
    marts = marts_path(warehouse)
    for path in (marts, marts.with_name(marts.name + ".wal")):
        path.unlink(missing_ok=True)
    literal = str(marts).replace("'", "''")
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{literal}' AS marts (STORAGE_VERSION '{snapshot_storage_version()}')")


def incremental_models_changed(warehouse: Path) -> bool:
    """The incremental models differ from those the warehouse was last built with (or
    it is not known what they were built with)."""
    built = warehouse.parent / INCREMENTAL_FILE
    return not built.exists() or built.read_text() != incremental_models_fingerprint()


def record_incremental_models(warehouse: Path) -> None:
    """After a build that passed: the warehouse now fits the current models."""
    (warehouse.parent / INCREMENTAL_FILE).write_text(incremental_models_fingerprint())
