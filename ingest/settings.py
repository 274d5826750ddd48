"""Where things live. Everything defaults to one data directory (DESIGN §7)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    path = Path(os.environ.get("CRM_DATA_DIR", Path.cwd() / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_url() -> str:
    return os.environ.get("CRM_STORE_URL") or f"sqlite:///{data_dir() / 'crm.db'}"
