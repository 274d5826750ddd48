"""Where things live. Everything defaults to one data directory (DESIGN §7)."""

from __future__ import annotations

import datetime as dt
import os
import re
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


def import_max_mb() -> float:
    """CRM_IMPORT_MAX_MB: the largest file `crm import` and the import page accept (50)."""
    return float(os.environ.get("CRM_IMPORT_MAX_MB", "50"))


def import_max_rows() -> int:
    """CRM_IMPORT_MAX_ROWS: the most data rows one import file may hold (200000)."""
    return int(os.environ.get("CRM_IMPORT_MAX_ROWS", "200000"))


def import_chunk_size() -> int:
    """CRM_IMPORT_CHUNK_SIZE: rows an import commits at a time (500); other writers wait
    at most one chunk (`crm import --chunk-size` overrides it)."""
    return int(os.environ.get("CRM_IMPORT_CHUNK_SIZE", "500"))


def import_chunk_seconds() -> float:
    """CRM_IMPORT_CHUNK_SECONDS: a chunk also ends once it has held the store's write lock
    this long (1.0), however few rows it has: a busy machine keeps every wait short."""
    return float(os.environ.get("CRM_IMPORT_CHUNK_SECONDS", "1.0"))


# --- backup and retention (README, "Backup, restore and retention") ----------------------


def _int_setting(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def backup_dir() -> Path:
    """CRM_BACKUP_DIR: where the nightly backup writes (default $CRM_DATA_DIR/backups)."""
    raw = os.environ.get("CRM_BACKUP_DIR", "").strip()
    return Path(raw).resolve() if raw else data_dir() / "backups"


def backup_keep() -> int:
    """CRM_BACKUP_KEEP: nightly backups kept (default 7)."""
    return _int_setting("CRM_BACKUP_KEEP", 7, minimum=1)


def log_max_bytes() -> int:
    """CRM_LOG_MAX_MB: a log file reaching this size is rolled over (default 10)."""
    return _int_setting("CRM_LOG_MAX_MB", 10, minimum=1) * 1024 * 1024


def log_keep() -> int:
    """CRM_LOG_KEEP: rolled-over files kept per log (default 5)."""
    return _int_setting("CRM_LOG_KEEP", 5, minimum=1)


def keep_snapshots() -> int:
    """CRM_KEEP_SNAPSHOTS: published snapshots kept, the one in service included (default 3)."""
    return _int_setting("CRM_KEEP_SNAPSHOTS", 3, minimum=1)


# DuckDB 1.x cannot open a file in 2.x's storage format, DBeaver's and Metabase's DuckDB
# drivers among them: snapshots are written in the newest format 1.x reads (README,
# "For analysts").
DEFAULT_SNAPSHOT_STORAGE_VERSION = "v1.4.0"


def snapshot_storage_version() -> str:
    """CRM_SNAPSHOT_STORAGE_VERSION: the DuckDB storage version published snapshots are
    written in (default v1.4.0, which DuckDB 1.4 and later open)."""
    raw = os.environ.get("CRM_SNAPSHOT_STORAGE_VERSION", "").strip()
    value = raw or DEFAULT_SNAPSHOT_STORAGE_VERSION
    if not re.fullmatch(r"v\d+\.\d+\.\d+", value):
        raise ValueError(
            f"CRM_SNAPSHOT_STORAGE_VERSION must be a DuckDB version such as v1.4.0, not {raw!r}"
        )
    return value


# What is kept how long, in days: setting name → default. `crm prune` and the nightly
# prune job remove older rows in chunks.
RETENTION_DEFAULTS = {
    "CRM_RETAIN_AUDIT_DAYS": 365,
    "CRM_RETAIN_IDEMPOTENCY_DAYS": 30,
    "CRM_RETAIN_TOMBSTONE_DAYS": 90,
    "CRM_RETAIN_SIGNIN_ATTEMPT_DAYS": 30,
    "CRM_RETAIN_SESSION_DAYS": 30,
    "CRM_RETAIN_RUN_DAYS": 30,
}


def retention_days(name: str) -> int:
    return _int_setting(name, RETENTION_DEFAULTS[name])


# --- the two apps' addresses (README, "Settings") ----------------------------------------


def entry_port() -> int:
    """CRM_ENTRY_PORT: where `crm serve` starts the entry app (8501)."""
    return int(os.environ.get("CRM_ENTRY_PORT", "8501"))


def dashboards_port() -> int:
    """CRM_DASHBOARDS_PORT: where `crm serve` starts the dashboards (8502)."""
    return int(os.environ.get("CRM_DASHBOARDS_PORT", "8502"))


def entry_url() -> str | None:
    """CRM_ENTRY_URL: the entry app's address as the dashboards link to it (unset: the
    dashboards' own host name on CRM_ENTRY_PORT, see web.links)."""
    return os.environ.get("CRM_ENTRY_URL", "").strip() or None


def dashboards_url() -> str | None:
    """CRM_DASHBOARDS_URL: the dashboards' address as the entry app links to them (unset:
    the entry app's own host name on CRM_DASHBOARDS_PORT)."""
    return os.environ.get("CRM_DASHBOARDS_URL", "").strip() or None
