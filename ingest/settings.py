"""Where things live. Everything defaults to one data directory (DESIGN §7)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

# Everything the product writes (the SQLite store, the warehouse and its snapshots, logs,
# the Dagster instance) holds the data or secrets: readable by the service user only.
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """New files 0600 and folders 0700 from here on, in this process and its children
    (dbt): one umask instead of a chmod after every file a library creates."""
    os.umask(PRIVATE_UMASK)


def data_dir() -> Path:
    private_files()
    path = Path(os.environ.get("CRM_DATA_DIR", Path.cwd() / ".data")).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store_url() -> str:
    private_files()  # a SQLite store elsewhere (CRM_STORE_URL) is created private as well
    return os.environ.get("CRM_STORE_URL") or f"sqlite:///{data_dir() / 'crm.db'}"


def session_idle_timeout() -> dt.timedelta:
    """CRM_SESSION_IDLE_HOURS: a session unused this long ends (default 8)."""
    return dt.timedelta(hours=float(os.environ.get("CRM_SESSION_IDLE_HOURS", "8")))


def secure_cookies() -> bool:
    """CRM_SECURE_COOKIES=1 when the apps are served over HTTPS (e.g. behind a proxy)."""
    return os.environ.get("CRM_SECURE_COOKIES", "").lower() in ("1", "true", "yes")


def trusted_proxies() -> frozenset[str]:
    """CRM_TRUSTED_PROXIES: addresses of reverse proxies whose X-Forwarded-For names the
    client (comma-separated; none by default)."""
    raw = os.environ.get("CRM_TRUSTED_PROXIES", "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())
