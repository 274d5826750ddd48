"""The refresh bench's ten slowest models: from the newest dbt run, with their tables' rows."""

from __future__ import annotations

import json

import duckdb

from crm.bench.refresh import slowest_lines, slowest_models
from orchestration.dbt_runner import marts_path


def test_the_slowest_models_of_the_newest_run_with_their_rows(refreshed) -> None:
    *_, warehouse = refreshed
    slowest = slowest_models(warehouse, count=10)

    results = json.loads((warehouse.parent / "dbt_target" / "run_results.json").read_text())
    built = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results["results"]
        if r["unique_id"].split(".")[0] in ("model", "snapshot")
    }
    assert len(slowest) == 10
    assert [m["seconds"] for m in slowest] == sorted((m["seconds"] for m in slowest), reverse=True)
    assert min(m["seconds"] for m in slowest) >= sorted(built.values())[-10] - 0.01
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"ATTACH '{marts_path(warehouse)}' AS marts_file (READ_ONLY)")
        tables = con.execute("select table_name, table_type from information_schema.tables")
        kinds = dict(tables.fetchall())
        for model in slowest:
            assert model["model"] in built
            if kinds[model["model"]] == "VIEW":
                assert model["rows"] is None
                continue
            catalog, schema = con.execute(
                "select table_catalog, table_schema from information_schema.tables "
                "where table_name = ?",
                [model["model"]],
            ).fetchone()
            counted = con.execute(f'select count(*) from "{catalog}"."{schema}"."{model["model"]}"')
            assert model["rows"] == counted.fetchone()[0]
    printed = slowest_lines(slowest)
    assert len(printed) == 11 and slowest[0]["model"] in printed[1]
