"""Every `CRM_*` setting: its name, default and meaning in one table, and a typed reader
for each. Everything defaults to one data directory. The README's settings table is checked
against `SETTINGS` (tests/ingest/test_settings.py), and so is every `CRM_*` name the code
reads: a setting not in the table does not exist."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as the README shows it
    meaning: str
    # Set by the product for its own children (dbt) or by the test suite: not in the README.
    internal: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CRM_DATA_DIR",
        "`./.data`",
        "everything the product writes: the SQLite store, the warehouse, snapshots, logs, benchmark figures",
    ),
    Setting(
        "CRM_STORE_URL",
        "`sqlite:///$CRM_DATA_DIR/crm.db`",
        "SQLAlchemy URL of the operational store, e.g. `postgresql+psycopg://crm@db/crm`",
    ),
    Setting(
        "CRM_BIND_ADDRESS", "`127.0.0.1`", "address the entry app and the dashboards listen on"
    ),
    Setting(
        "CRM_ADMIN_BIND_ADDRESS", "`127.0.0.1`", "address the Dagster UI and the dbt docs listen on"
    ),
    Setting("CRM_SESSION_IDLE_HOURS", "`8`", "a signed-in session unused this long ends"),
    Setting(
        "CRM_SECURE_COOKIES",
        "off",
        "`1` when the apps are served over HTTPS: the session cookie then travels only over HTTPS",
    ),
    Setting(
        "CRM_TRUSTED_PROXIES",
        "none",
        "comma-separated addresses of reverse proxies whose `X-Forwarded-For` names the client (for the sign-in throttle)",
    ),
    Setting(
        "CRM_IMPORT_MAX_MB", "`50`", "the largest file one import (CLI or import page) accepts"
    ),
    Setting("CRM_IMPORT_MAX_ROWS", "`200000`", "the most rows one import accepts"),
    Setting(
        "CRM_IMPORT_CHUNK_SIZE",
        "`500`",
        "rows an import commits at a time; other writers wait at most one chunk",
    ),
    Setting(
        "CRM_IMPORT_CHUNK_SECONDS",
        "`1.0`",
        "a chunk also ends once it has held the store's write lock this long, however few rows it has",
    ),
    Setting(
        "DAGSTER_HOME",
        "`$CRM_DATA_DIR/dagster`",
        "Dagster instance (runs, schedules, sensor state); `crm` writes a `dagster.yaml` there on first use",
    ),
    Setting("CRM_DAGSTER_PORT", "`3000`", "port of the Dagster UI"),
    Setting("CRM_DOCS_PORT", "`8080`", "port of the dbt docs"),
    Setting("CRM_ENTRY_PORT", "`8501`", "port of the entry app"),
    Setting("CRM_DASHBOARDS_PORT", "`8502`", "port of the dashboards"),
    Setting(
        "CRM_ENTRY_URL",
        "the host name the browser used, on the port above",
        "the address the dashboards link to the entry app at (e.g. behind a reverse proxy); a user name or password in it is dropped",
    ),
    Setting(
        "CRM_DASHBOARDS_URL",
        "the host name the browser used, on the port above",
        "the address the entry app links to the dashboards at; a user name or password in it is dropped",
    ),
    Setting(
        "CRM_INCREMENTAL_CRON",
        "`*/15 8-19 * * 1-5`",
        "when the incremental refresh runs (a safety net beside the change sensor)",
    ),
    Setting("CRM_FULL_CRON", "`0 2 * * *`", "when the full refresh runs"),
    Setting("CRM_SCHEDULE_TIMEZONE", "`Asia/Shanghai`", "the time zone of every schedule"),
    Setting(
        "CRM_REFRESH_DELAY_SECONDS",
        "`0`",
        "how long new entries wait before the sensor starts an incremental refresh (it never starts one while a refresh is queued or running: what is saved meanwhile shares the next); raise it so that a busy office on a small machine refreshes less often",
    ),
    Setting(
        "CRM_SENSOR_SECONDS",
        "`5`",
        "how often the daemon asks the sensor whether the store is ahead of the warehouse",
    ),
    Setting(
        "CRM_AUTOMATION", "`running`", "`stopped` starts the schedules and the sensor switched off"
    ),
    Setting("CRM_BACKUP_DIR", "`$CRM_DATA_DIR/backups`", "where the nightly backup goes"),
    Setting("CRM_BACKUP_KEEP", "`7`", "how many nightly backups are kept"),
    Setting("CRM_BACKUP_CRON", "`30 1 * * *`", "when the nightly backup runs"),
    Setting("CRM_PRUNE_CRON", "`30 3 * * *`", "when the retention prune runs"),
    Setting("CRM_RETAIN_AUDIT_DAYS", "`365`", "days the audit log is kept"),
    Setting("CRM_RETAIN_IDEMPOTENCY_DAYS", "`30`", "days idempotency keys are kept"),
    Setting("CRM_RETAIN_TOMBSTONE_DAYS", "`90`", "days deleted-row tombstones are kept"),
    Setting("CRM_RETAIN_SIGNIN_ATTEMPT_DAYS", "`30`", "days sign-in attempts are kept"),
    Setting("CRM_RETAIN_SESSION_DAYS", "`30`", "days ended web sessions are kept"),
    Setting("CRM_RETAIN_RUN_DAYS", "`30`", "days finished Dagster runs (with their logs) are kept"),
    Setting(
        "CRM_KEEP_SNAPSHOTS",
        "`3`",
        "published snapshots kept, the one in service always among them",
    ),
    Setting(
        "CRM_SNAPSHOT_STORAGE_VERSION",
        "`v1.4.0`",
        "DuckDB storage version snapshots are written in; the default opens in DuckDB 1.4 and later (DBeaver, Metabase, notebooks with an older `duckdb`), `v2.0.0` only in DuckDB 2",
    ),
    Setting(
        "CRM_SNAPSHOT_MAX_AGE_MINUTES",
        "`1440`",
        "the `snapshot_is_fresh` check warns when the snapshot in service is older",
    ),
    Setting(
        "CRM_MAX_EXTRACTION_LAG",
        "`0`",
        "the extraction-lag check warns when the warehouse is more changes behind the store",
    ),
    Setting(
        "CRM_LOG_MAX_MB",
        "`10`",
        "a log under `$CRM_DATA_DIR/logs` reaching this size is rolled over (`refresh.log` → `refresh.log.1` …)",
    ),
    Setting("CRM_LOG_KEEP", "`5`", "rolled-over files kept per log"),
    Setting(
        "CRM_CJK_FONT",
        "the first CJK font found",
        "the font file the voucher PDF embeds for Chinese text",
    ),
    Setting("CRM_DBT_THREADS", "`2`", "dbt's threads for a refresh"),
    Setting("CRM_DUCKDB_MEMORY", "`6GB`", "DuckDB's memory limit while dbt builds the warehouse"),
    Setting(
        "CRM_SPARK_MEMORY",
        "`4g`",
        "Spark's memory while it builds the warehouse (`--engine spark`)",
    ),
    Setting(
        "CRM_SPARK_FILE_FORMAT",
        "`parquet`",
        "the table format of a Spark build; `delta` or `iceberg` where the cluster has them (incremental merges and snapshots)",
    ),
    Setting(
        "CRM_AS_OF_DATE", "today", "pins the day the warehouse is built as of (back-fills, tests)"
    ),
    Setting(
        "CRM_DAGSTER_PG_URL",
        "none",
        "PostgreSQL URL for Dagster's run storage, when `dagster.yaml` is switched to it",
    ),
    Setting(
        "CRM_DBT_TARGET_DIR",
        "`target` in the dbt project",
        "dbt's target folder, where the parse Dagster reads its definitions from lives",
    ),
    Setting(
        "CRM_WAREHOUSE_DIR",
        "",
        "the warehouse folder dbt starts in (set by the refresh)",
        internal=True,
    ),
    Setting(
        "CRM_WAREHOUSE_PATH", "", "the build file dbt writes (set by the refresh)", internal=True
    ),
    Setting("CRM_MARTS_PATH", "", "the marts file dbt writes (set by the refresh)", internal=True),
    Setting(
        "CRM_FAULTS_SEED", "", "the seed of the injected faults (`crm bench faults`)", internal=True
    ),
    Setting(
        "CRM_FAULTS_FIGURES", "", "where the fault benchmark writes its figures", internal=True
    ),
    Setting("CRM_TEST_PG", "", "the PostgreSQL the test suite uses", internal=True),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}


def readme_table() -> str:
    """The README's settings table, made from SETTINGS (`python -m ingest.settings`)."""
    rows = [f"| `{s.name}` | {s.default} | {s.meaning} |" for s in SETTINGS if not s.internal]
    return "\n".join(["| variable | default | meaning |", "|---|---|---|", *rows])


def raw(name: str) -> str:
    """The setting's value as set, stripped; "" when unset. Only names in SETTINGS."""
    return os.environ.get(_BY_NAME[name].name, "").strip()


# Everything the product writes (the SQLite store, the warehouse and its snapshots, logs,
# the Dagster instance) holds the data or secrets: readable by the service user only.
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """New files 0600 and folders 0700 from here on, in this process and its children
    (dbt): one umask instead of a chmod after every file a library creates."""
    os.umask(PRIVATE_UMASK)


def data_dir() -> Path:
    private_files()
    path = Path(raw("CRM_DATA_DIR") or Path.cwd() / ".data").resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store_url() -> str:
    private_files()  # a SQLite store elsewhere (CRM_STORE_URL) is created private as well
    return raw("CRM_STORE_URL") or f"sqlite:///{data_dir() / 'crm.db'}"


def session_idle_timeout() -> dt.timedelta:
    """CRM_SESSION_IDLE_HOURS: a session unused this long ends (default 8)."""
    return dt.timedelta(hours=float(raw("CRM_SESSION_IDLE_HOURS") or "8"))


def secure_cookies() -> bool:
    """CRM_SECURE_COOKIES=1 when the apps are served over HTTPS (e.g. behind a proxy)."""
    return raw("CRM_SECURE_COOKIES").lower() in ("1", "true", "yes")


def trusted_proxies() -> frozenset[str]:
    """CRM_TRUSTED_PROXIES: addresses of reverse proxies whose X-Forwarded-For names the
    client (comma-separated; none by default)."""
    return frozenset(part.strip() for part in raw("CRM_TRUSTED_PROXIES").split(",") if part.strip())


def import_max_mb() -> float:
    """CRM_IMPORT_MAX_MB: the largest file `crm import` and the import page accept (50)."""
    return float(raw("CRM_IMPORT_MAX_MB") or "50")


def import_max_rows() -> int:
    """CRM_IMPORT_MAX_ROWS: the most data rows one import file may hold (200000)."""
    return int(raw("CRM_IMPORT_MAX_ROWS") or "200000")


def import_chunk_size() -> int:
    """CRM_IMPORT_CHUNK_SIZE: rows an import commits at a time (500); other writers wait
    at most one chunk (`crm import --chunk-size` overrides it)."""
    return int(raw("CRM_IMPORT_CHUNK_SIZE") or "500")


def import_chunk_seconds() -> float:
    """CRM_IMPORT_CHUNK_SECONDS: a chunk also ends once it has held the store's write lock
    this long (1.0), however few rows it has: a busy machine keeps every wait short."""
    return float(raw("CRM_IMPORT_CHUNK_SECONDS") or "1.0")


# --- backup and retention (README, "Backup, restore and retention") ----------------------


def _int_setting(name: str, default: int, minimum: int = 0) -> int:
    value_set = raw(name)
    try:
        value = int(value_set) if value_set else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value_set!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def backup_dir() -> Path:
    """CRM_BACKUP_DIR: where the nightly backup writes (default $CRM_DATA_DIR/backups)."""
    folder = raw("CRM_BACKUP_DIR")
    return Path(folder).resolve() if folder else data_dir() / "backups"


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
    value_set = raw("CRM_SNAPSHOT_STORAGE_VERSION")
    value = value_set or DEFAULT_SNAPSHOT_STORAGE_VERSION
    if not re.fullmatch(r"v\d+\.\d+\.\d+", value):
        raise ValueError(
            f"CRM_SNAPSHOT_STORAGE_VERSION must be a DuckDB version such as v1.4.0, not {value_set!r}"
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
    return int(raw("CRM_ENTRY_PORT") or "8501")


def dashboards_port() -> int:
    """CRM_DASHBOARDS_PORT: where `crm serve` starts the dashboards (8502)."""
    return int(raw("CRM_DASHBOARDS_PORT") or "8502")


def entry_url() -> str | None:
    """CRM_ENTRY_URL: the entry app's address as the dashboards link to it (unset: the
    dashboards' own host name on CRM_ENTRY_PORT, see web.links)."""
    return raw("CRM_ENTRY_URL") or None


def dashboards_url() -> str | None:
    """CRM_DASHBOARDS_URL: the dashboards' address as the entry app links to them (unset:
    the entry app's own host name on CRM_DASHBOARDS_PORT)."""
    return raw("CRM_DASHBOARDS_URL") or None


# --- serving and the Dagster automation ---------------------------------------------------


def bind_address() -> str:
    return raw("CRM_BIND_ADDRESS") or "127.0.0.1"


def admin_bind_address() -> str:
    """The Dagster UI and the dbt docs: loopback unless named for them on their own."""
    return raw("CRM_ADMIN_BIND_ADDRESS") or "127.0.0.1"


def dagster_port() -> int:
    return int(raw("CRM_DAGSTER_PORT") or "3000")


def docs_port() -> int:
    return int(raw("CRM_DOCS_PORT") or "8080")


def cron(name: str, default: str) -> str:
    """A schedule's cron line (CRM_INCREMENTAL_CRON, CRM_FULL_CRON, CRM_BACKUP_CRON,
    CRM_PRUNE_CRON)."""
    return raw(name) or default


def schedule_timezone() -> str:
    return raw("CRM_SCHEDULE_TIMEZONE") or "Asia/Shanghai"


def automation_running() -> bool:
    return raw("CRM_AUTOMATION") != "stopped"


def refresh_delay() -> dt.timedelta:
    return dt.timedelta(seconds=float(raw("CRM_REFRESH_DELAY_SECONDS") or "0"))


def sensor_seconds() -> int:
    return int(raw("CRM_SENSOR_SECONDS") or "5")


def snapshot_max_age() -> dt.timedelta:
    return dt.timedelta(minutes=float(raw("CRM_SNAPSHOT_MAX_AGE_MINUTES") or "1440"))


def max_extraction_lag() -> int:
    return int(raw("CRM_MAX_EXTRACTION_LAG") or "0")


def cjk_font() -> str:
    return raw("CRM_CJK_FONT")


if __name__ == "__main__":
    print(readme_table())
