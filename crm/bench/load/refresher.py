"""Incremental refreshes back to back, as the schedule runs them: the Dagster refresh job
in a process of its own (the daemon's place), one run after the other until the stop file
appears. Each run prints one JSON line: when it began and ended, its steps, the snapshot
it published, or its error.

    python -m crm.bench.load.refresher STOP_FILE
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from orchestration.dagster_refresh import run_refresh_job


def refresh_once() -> dict[str, object]:
    began = time.time()
    try:
        summary = run_refresh_job(full=False)
    except Exception as error:  # reported to the parent, which counts it as a failure
        return {
            "began": began,
            "ended": time.time(),
            "error": f"{type(error).__name__}: {error}"[:400],
            "trace": traceback.format_exc()[-1500:],
        }
    return {
        "began": began,
        "ended": time.time(),
        "steps_s": {k: round(v, 2) for k, v in summary.seconds.items()},
        "version": summary.snapshot.version if summary.snapshot else None,
        "change_seq": summary.snapshot.change_seq if summary.snapshot else None,
        "rows": summary.extracted.rows if summary.extracted else 0,
    }


def main(stop_file: Path) -> None:
    while not stop_file.exists():
        print(json.dumps(refresh_once()), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
