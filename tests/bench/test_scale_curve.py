"""`crm bench scale`: the knee of a curve on given numbers, the figures, plot and docs
section it writes, and the whole bench end to end on the tiny profile (`bench` marker)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crm.bench import scale
from crm.bench.common import data_dir, write_docs_section
from crm.bench.knee import Fit, fits, knee
from crm.cli import main

PNG = b"\x89PNG\r\n\x1a\n"
PAGE = "# Benchmarks\n\nIntro.\n\n## Refresh\n\nFigures.\n"


def test_a_straight_line_crosses_where_it_says() -> None:
    sizes, seconds = [0.5, 1, 2, 4], [70, 120, 220, 420]  # 20 s fixed + 100 s per unit
    found = knee(sizes, seconds, 1800)
    assert found is not None and found.fit.kind == "linear"
    assert found.size == pytest.approx(17.8)


def test_faster_than_linear_growth_is_caught_by_the_power_law() -> None:
    sizes = [0.5, 1, 2, 4]
    seconds = [100 * s**2 for s in sizes]
    power = next(f for f in fits(sizes, seconds) if f.kind == "power")
    assert power.a == pytest.approx(100) and power.b == pytest.approx(2)
    found = knee(sizes, seconds, 100 * 8**2)
    assert found is not None and found.size == pytest.approx(8)  # the power law's crossing
    assert found.size <= Fit("linear", *_line(sizes, seconds)).reaching(100 * 8**2)


def _line(sizes: list[float], ys: list[float]) -> tuple[float, float]:
    linear = next(f for f in fits(sizes, ys) if f.kind == "linear")
    return linear.a, linear.b


def test_the_earlier_fit_names_the_knee() -> None:
    # a large fixed part: the power law's exponent stays small, the line crosses first
    sizes, seconds = [1, 2, 4], [500, 600, 800]
    found = knee(sizes, seconds, 1800)
    assert found is not None and found.fit.kind == "linear"
    assert found.size == pytest.approx(14)
    power = next(f for f in fits(sizes, seconds) if f.kind == "power")
    assert power.reaching(1800) > found.size


@pytest.mark.parametrize(
    "costs", [[6.0, 6.0, 6.0, 6.0], [8.0, 7.0, 6.5, 6.0]], ids=["flat", "falling"]
)
def test_a_cost_that_does_not_grow_has_no_knee(costs: list[float]) -> None:
    assert knee([0.5, 1, 2, 4], costs, 23.5) is None


def test_one_point_names_no_knee() -> None:
    assert knee([1], [100], 50) is None


def test_a_docs_section_is_appended_then_replaced_in_place(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(PAGE)
    write_docs_section(page, "scale-curve", "## Scale curve\n\nfirst")
    first = page.read_text()
    assert first.startswith(PAGE) and "first" in first
    page.write_text(first + "\n## Later\n\nkept\n")
    write_docs_section(page, "scale-curve", "## Scale curve\n\nsecond")
    second = page.read_text()
    assert "first" not in second and "second" in second
    assert second.count("## Scale curve") == 1 and second.endswith("## Later\n\nkept\n")
    assert second.startswith(PAGE)


def _point(profile: str, seed: int, factor: float) -> dict[str, Any]:
    """A measured factor as a bench on a bigger machine might report it."""
    return {
        "factor": factor,
        "rows": round(30_000_000 * factor),
        "full_refresh_s": 20 + 160 * factor,
        "incremental_refresh_s": 30 + 6 * factor,
        "peak_memory_gb": 6.0,  # DuckDB's memory limit holds it
        "warehouse_gb": 1.1 * factor,
        "dashboards_p95_ms": 900 * factor**0.8,
        "dashboards_page_p95_ms": {"pipeline": 900 * factor**0.8},
        "slowest_models": [{"model": "fct_deal_features", "seconds": 9.5, "rows": 1_600_000}],
    }


@pytest.fixture
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRM_STORE_URL", raising=False)
    page = tmp_path / "docs" / "benchmarks.md"
    page.parent.mkdir()
    page.write_text(PAGE)
    return page


def test_the_bench_writes_figures_plot_and_section(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale, "bench_factor", _point)
    monkeypatch.setattr(scale, "prepare_manifest", lambda _project: None)
    monkeypatch.setattr(scale, "machine_memory_gb", lambda: 23.5)
    out = tmp_path / "scale.json"
    args = ["bench", "scale", "--factors", "2,0.5,1,4", "--docs", str(docs), "--out", str(out)]
    for _ in range(2):  # a second run replaces the section
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert [p["factor"] for p in figures["points"]] == [0.5, 1, 2, 4]
    assert figures["profile"] == "large" and figures["refresh_window_min"] == 30
    full = figures["knees"]["full_refresh"]
    assert full["fit"] == "linear" and full["factor"] == pytest.approx(11.125, abs=0.01)
    assert full["rows"] == pytest.approx(30_000_000 * 11.125, rel=0.01)
    assert figures["knees"]["peak_memory"]["factor"] is None
    assert (docs.parent / "img" / "scale_curve.png").read_bytes().startswith(PNG)
    page = docs.read_text()
    assert page.startswith(PAGE) and page.count("## Scale curve") == 1
    assert "| ×4 | 120,000,000 | 660.0 s | 54.0 s | 6.0 GB | 4.40 GB |" in page
    assert "![Scale curve" in page and "(img/scale_curve.png)" in page
    assert "30 min window at about ×11.1 (333,750,000 rows; linear fit" in page
    assert "this machine's 23.5 GB nowhere" in page
    assert "reaches 1800 at ×11.12" in result.output
    slowest = re.findall(r"fct_deal_features +9\.50 s  1,600,000 rows", result.output)
    assert len(slowest) == 4


def test_bad_factors_are_refused_on_their_field(docs: Path) -> None:
    for factors in ("0.5,20", "0,1", "one", ","):
        result = CliRunner().invoke(main, ["bench", "scale", "--factors", factors])
        assert result.exit_code == 2
        assert "Invalid value for '--factors'" in result.output
    assert docs.read_text() == PAGE


@pytest.mark.bench
def test_the_bench_end_to_end_on_tiny(docs: Path, tmp_path: Path) -> None:
    """Seeds tiny at ×0.5 and ×1, refreshes each in full and after 1,000 changes, times
    the dashboards (about 5 minutes on 2 busy cores)."""
    out = tmp_path / "scale.json"
    result = CliRunner().invoke(
        main,
        ["bench", "scale", "--profile", "tiny", "--factors", "0.5,1", "--docs", str(docs),
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    points = json.loads(out.read_text())["points"]
    assert [p["factor"] for p in points] == [0.5, 1]
    assert 1.7 <= points[1]["rows"] / points[0]["rows"] <= 2.3
    for p in points:
        assert p["full_refresh_s"] > 0 and p["incremental_refresh_s"] > 0
        assert p["incremental_changes"] == 1000
        assert p["peak_memory_gb"] > 0 and p["warehouse_gb"] > 0
        assert len(p["slowest_models"]) == 10
        assert set(p["dashboards_page_p95_ms"]) >= {"pipeline", "costs", "health"}
        assert not math.isnan(p["dashboards_p95_ms"])
    assert (docs.parent / "img" / "scale_curve.png").read_bytes().startswith(PNG)
    stores = [data_dir() / "bench" / name for name in ("refresh-tiny-x0.5", "refresh-tiny")]
    assert all((s / "crm.db").exists() and not (s / "warehouse").exists() for s in stores)
    assert "| ×0.5 |" in docs.read_text() and "| ×1 |" in docs.read_text()
