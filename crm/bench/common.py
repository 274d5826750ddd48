"""What every benchmark shares: one percentile, where figures and docs sections go, one way
to run `crm` in a child, and one seeded store per profile (and scale) that the benchmarks
reuse while profile, scale, seed and as-of match (seeding the large profile takes minutes)."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from ingest.settings import data_dir

AS_OF = "2026-11-27"  # the seeded history's last day, fixed so that cached stores match
DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"  # of a source checkout


def percentile(values: list[float], share: float) -> float:
    """The `share` (0.5, 0.95) quantile, inclusive of both ends; 0 for no values."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def write_figures(out: str | None, name: str, figures: Any, **options: Any) -> Path:
    """A benchmark's figures as JSON (`options` go to json.dumps) in `out`, by default
    bench/<name>.json in the data directory; returns where they went."""
    path = Path(out) if out else data_dir() / "bench" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, **options), encoding="utf-8")
    return path


def machine_memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


def write_docs_section(path: Path, key: str, text: str, *, first: bool = False) -> None:
    """Put `text` in the markdown file between the `key` markers: in place of what a run
    before wrote there, else at the end, or with `first` just after the page's intro (before
    its first `## ` section). The rest of the page is left as written."""
    start, end = f"<!-- {key}: written by crm bench, edits are replaced -->", f"<!-- /{key} -->"
    page = path.read_text(encoding="utf-8")
    block = f"{start}\n{text.strip()}\n{end}"
    if start in page and end in page:
        before, rest = page.split(start, 1)
        page = before + block + rest.split(end, 1)[1]
    elif first and (section := re.search(r"^## ", page, re.MULTILINE)):
        page = page[: section.start()] + block + "\n\n" + page[section.start() :]
    else:
        page = page.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(page, encoding="utf-8")


def crm(args: list[str], env: dict[str, str]) -> None:
    """Run `crm ARGS` in a child, as an administrator would; its error on failure."""
    done = subprocess.run(
        [sys.executable, "-m", "crm.cli", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"crm {' '.join(args)} failed: {done.stderr.strip()[-400:]}")


def folder_env(folder: Path) -> dict[str, str]:
    """The environment of a child working on its own data directory."""
    env = {**os.environ, "CRM_DATA_DIR": str(folder), "DAGSTER_HOME": str(folder / "dagster")}
    env.pop("CRM_STORE_URL", None)
    return env


def seeded_store(
    name: str,
    profile: str,
    seed: int,
    *,
    refreshed: bool,
    refresh_as_of_seed: bool = True,
    scale: float = 1.0,
) -> Path:
    """$CRM_DATA_DIR/bench/<name>: a seeded store (the profile `scale` times as big, with a
    full refresh's warehouse when `refreshed`, built as of the seed's last day unless
    `refresh_as_of_seed` is off), made again only when profile, scale, seed or as-of date
    changed."""
    folder = data_dir() / "bench" / name
    wanted: dict[str, object] = {"profile": profile, "seed": seed, "as_of": AS_OF}
    if scale != 1:  # stores seeded before scales existed stay valid at 1
        wanted["scale"] = scale
    env = folder_env(folder)
    if not _matches(folder / "seeded.json", wanted):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        crm(["init"], env)
        seed_args = ["--profile", profile, "--scale", str(scale), "--seed", str(seed)]
        crm(["seed", *seed_args, "--as-of", AS_OF], env)
        (folder / "seeded.json").write_text(json.dumps(wanted))
    if refreshed and not (
        _matches(folder / "refreshed.json", wanted)
        and (folder / "warehouse" / "snapshots" / "CURRENT").exists()
    ):
        crm(["refresh", "--full", *(["--as-of", AS_OF] if refresh_as_of_seed else [])], env)
        (folder / "refreshed.json").write_text(json.dumps(wanted))
    return folder


def _matches(marker: Path, wanted: dict[str, object]) -> bool:
    return marker.exists() and json.loads(marker.read_text()) == wanted
