"""Metric definitions read from the dbt YAML, so a KPI's help text is the definition the
warehouse documents (docs/architecture.md §5.5), word for word."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

METRICS_YAML = Path(__file__).resolve().parent.parent / "dbt_project/models/marts/_metrics.yml"


@cache
def definitions() -> dict[str, str]:
    """metric name → its description in `_metrics.yml`."""
    spec = yaml.safe_load(METRICS_YAML.read_text(encoding="utf-8"))
    return {m["name"]: m["description"] for m in spec.get("metrics", [])}


def help_text(metric: str, lang: str, zh_rendering: str | None = None) -> str | None:
    """The dbt description; in Chinese, a rendering first and the definition after it."""
    definition = definitions().get(metric)
    if definition is None:
        return None
    if lang == "en" or not zh_rendering:
        return definition
    return f"{zh_rendering}\n\n{definition}"
