"""The product's log files under $CRM_DATA_DIR/logs, rolled over before they grow large.

Each refresh appends dbt's progress to refresh.log and each failed command its traceback
to crm.log; a sensor refreshing every few minutes would otherwise fill the disk. A file is
rolled over (name.log → name.log.1 → … → name.log.N, the oldest dropped) when it is opened
for writing and has reached CRM_LOG_MAX_MB; CRM_LOG_KEEP older files are kept.
"""

from __future__ import annotations

from logging.handlers import RotatingFileHandler
from pathlib import Path

from ingest.settings import data_dir, log_keep, log_max_bytes


def log_path(name: str) -> Path:
    """$CRM_DATA_DIR/logs/<name>, rolled over first when it has reached its size limit."""
    path = data_dir() / "logs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size >= log_max_bytes():
        # the standard library's rollover: the same numbering as logging's own rotation
        rotating = RotatingFileHandler(path, backupCount=log_keep(), delay=True)
        rotating.doRollover()
        rotating.close()
    return path
