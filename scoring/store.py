"""Where scoring keeps its model between refreshes: a file beside the build, with the
facts a refresh needs to decide whether to train, backtest or score again."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import joblib

from scoring.model import TrainedModel

MODEL_FILE = "model.joblib"


def scoring_dir(build: Path) -> Path:
    path = build.parent / "scoring"
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_path(build: Path) -> Path:
    return scoring_dir(build) / MODEL_FILE


@dataclass
class Saved:
    model: TrainedModel
    version: str  # a digest of the file: changes whenever the model does
    kind_chosen_on: str | None  # the as-of day of the backtest that chose its kind


def save(build: Path, model: TrainedModel, kind_chosen_on: str | None) -> Saved:
    """Written under a temporary name and swapped in: a killed refresh leaves the old one."""
    target = model_path(build)
    partial = target.with_name(f".{target.name}.partial")
    joblib.dump({"model": model, "kind_chosen_on": kind_chosen_on}, partial)
    os.replace(partial, target)
    return load(build)


def load(build: Path) -> Saved | None:
    path = model_path(build)
    if not path.exists():
        return None
    try:
        stored = joblib.load(path)
    except Exception:  # a file from an incompatible library version: train again
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return Saved(stored["model"], digest, stored.get("kind_chosen_on"))


def describe(saved: Saved) -> str:
    model = saved.model
    return json.dumps(
        {
            "version": saved.version,
            "kind": model.kind,
            "calibration": model.calibration,
            "trained_before": str(model.trained_before),
            "deals": model.deals,
        }
    )
