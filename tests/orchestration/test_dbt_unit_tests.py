"""The models' unit tests (the `unit_tests:` of the model YAML) check their SQL on fixed
inputs. A refresh leaves them out (they say nothing about the data), so they run here,
every one of them, against a built warehouse."""

from __future__ import annotations

import json
import subprocess

import yaml

from orchestration.dbt_runner import DBT_PROJECT_DIR, dbt_args, dbt_env, dbt_executable


def declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text()) or {}).get("unit_tests", []):
            names.add(f"{test['model']}.{test['name']}")
    return names


def test_every_unit_test_of_the_models_passes(refreshed) -> None:
    *_, warehouse = refreshed
    done = subprocess.run(
        [dbt_executable(), *dbt_args(["test", "--select", "test_type:unit"], warehouse)],
        env=dbt_env(warehouse),
        capture_output=True,
        text=True,
        check=False,
    )
    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())
    outcome = {
        r["unique_id"].removeprefix("unit_test.crm."): r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert declared_unit_tests() and outcome.keys() == declared_unit_tests()
    assert set(outcome.values()) == {"pass"}, done.stdout[-2000:]
    assert done.returncode == 0
