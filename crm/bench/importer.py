"""`crm bench import`: do reps still save while a large file is imported?

A few writers save customers through the domain command, first quietly, then while a
generated file of `rows` customers is imported in chunks. The figures are the writers'
latency (p50, p95, max) in both phases and the import's own speed. Writes the bench's
customers and the imported file's into the store: use a bench store (or
`crm import --undo ID` with the id the figures name).
"""

from __future__ import annotations

import platform
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select

from crm.bench.common import percentile, write_figures
from crm.bench.store import bench_reps
from ingest.commands.customers import CustomerInput, create_customer
from ingest.importer import import_file
from ingest.store.db import get_engine, read_session
from ingest.store.models import User

PAUSE_S = 0.05  # between one writer's saves: a busy office, not a loop that never lets go


@dataclass
class ImportBench:
    store: str
    rows: int
    chunk_size: int
    writers: int
    import_id: int | None
    import_seconds: float
    rows_per_second: float
    chunks: int
    quiet_ms: dict[str, float]
    during_ms: dict[str, float]
    writer_errors: list[str]
    machine: str = field(default_factory=platform.platform)

    def summary(self) -> str:
        return (
            f"import bench ({self.rows:,} rows in {self.chunks} chunks of {self.chunk_size}, "
            f"{self.import_seconds:.1f} s, {self.rows_per_second:.0f} rows/s): "
            f"{self.writers} writers p95 {self.quiet_ms['p95']:.1f} ms quiet, "
            f"{self.during_ms['p95']:.1f} ms during (max {self.during_ms['max']:.1f} ms); "
            f"{len(self.writer_errors)} writer errors; import id {self.import_id}"
        )


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": max(values, default=0.0),
    }


def _customer_named(suffix: str) -> CustomerInput:
    return CustomerInput(
        name=f"压测客户{suffix}", customer_type="end_user", industry="power", region="north_china"
    )


def _write_file(folder: Path, rows: int, owner: str) -> tuple[Path, Path]:
    token = uuid.uuid4().hex[:8]
    mapping = folder / "bench.yaml"
    mapping.write_text(
        "source: bench\nentity: customers\nid_column: id\ncolumns:\n  name: name\n"
        "  customer_type: {value: end_user}\n  industry: {value: power}\n"
        f"  region: {{value: north_china}}\n  owner: {{value: {owner}}}\n  city: city\n",
        encoding="utf-8",
    )
    data = folder / f"bench_{rows}_{token}.csv"
    with data.open("w", encoding="utf-8", newline="") as out:
        out.write("id,name,city\n")
        for n in range(rows):
            out.write(f"{token}-{n},导入压测客户{token}-{n:07d},北京\n")
    return data, mapping


def _writers(
    engine: Engine, reps: list[int], stop: threading.Event, token: str
) -> tuple[list[threading.Thread], list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(rep_id: int, thread_no: int) -> None:
        n = 0
        while not stop.wait(PAUSE_S):
            began = time.perf_counter()
            try:
                create_customer(engine, rep_id, _customer_named(f"{token}-{thread_no}-{n}"))
            except Exception as error:  # a benchmark records every failure, of any kind
                with lock:
                    errors.append(f"{type(error).__name__}: {error}"[:300])
            else:
                with lock:
                    latencies.append((time.perf_counter() - began) * 1000)
            n += 1

    threads = [
        threading.Thread(target=work, args=(rep_id, number), daemon=True)
        for number, rep_id in enumerate(reps)
    ]
    for thread in threads:
        thread.start()
    return threads, latencies, errors


def run_import_bench(
    rows: int = 100_000,
    chunk_size: int = 500,
    writers: int = 4,
    quiet_seconds: float = 3.0,
    out: str | None = None,
    engine: Engine | None = None,
) -> ImportBench:
    engine = engine or get_engine()
    reps = bench_reps(engine, writers + 1)
    with read_session(engine) as session:
        owner = session.scalar(select(User.username).where(User.id == reps[0]))
    token = uuid.uuid4().hex[:6]

    stop = threading.Event()
    threads, quiet, quiet_errors = _writers(engine, reps[1:], stop, f"q{token}")
    time.sleep(quiet_seconds)
    stop.set()
    for thread in threads:
        thread.join()

    with tempfile.TemporaryDirectory(prefix="crm-bench-import-") as folder:
        data, mapping = _write_file(Path(folder), rows, str(owner))
        stop = threading.Event()
        threads, during, errors = _writers(engine, reps[1:], stop, f"d{token}")
        began = time.perf_counter()
        try:
            report = import_file(data, mapping, engine=engine, chunk_size=chunk_size)
        finally:
            seconds = time.perf_counter() - began
            stop.set()
            for thread in threads:
                thread.join()
    if not report.ok:
        raise RuntimeError(report.text("en"))
    result = ImportBench(
        store=engine.dialect.name,
        rows=rows,
        chunk_size=chunk_size,
        writers=writers,
        import_id=report.import_id,
        import_seconds=round(seconds, 2),
        rows_per_second=round(rows / seconds, 1) if seconds else 0.0,
        chunks=report.chunks,
        quiet_ms=_stats(quiet),
        during_ms=_stats(during),
        writer_errors=quiet_errors + errors,
    )
    write_figures(out, "import", asdict(result), indent=2, ensure_ascii=False)
    return result
