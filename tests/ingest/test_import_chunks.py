"""Imports that never block the office (docs/import.md, "Large files"): chunked commits
under one import id, resume after a kill, undo, a dry run without the write lock, limits.

The files are 5,000 customers committed 500 at a time. Nothing here times anything: that
writers wait at most a chunk is shown by their commits landing between the import's chunks
(change numbers), that a dry run holds no write lock by taking the lock while it runs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psycopg
import pytest
from sqlalchemy import Engine, func, select

from ingest.commands.base import CommandError
from ingest.commands.customers import CustomerInput, create_customer
from ingest.extract import extract
from ingest.importer import import_file, ledger
from ingest.importer.undo import undo_import
from ingest.store.db import current_change_seq, read_session
from ingest.store.models import AuditLog, Customer, ImportChunk, ImportRun
from tests.support.factories import selected

REPO = Path(__file__).resolve().parents[2]
# The `engine` (and `org`) of the tests that run on SQLite only.
ON_SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
ROWS = 5000
CHUNK = 500
MAPPING = """\
source: bulk
entity: customers
id_column: 编号
columns:
  name: 名称
  customer_type: {value: end_user}
  industry: {value: power}
  region: {value: north_china}
  owner: {value: rep}
  city: 城市
"""


def write_files(folder: Path, rows: int = ROWS, *, city: str = "北京", bad_row: int | None = None):
    """A customers file of `rows` rows; `bad_row` (a data row number, 1-based) gets an
    emoji in its name, which the customer command refuses."""
    mapping = folder / "bulk.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    data = folder / f"bulk_{rows}_{city}_{bad_row}.csv"
    lines = ["编号,名称,城市"]
    for i in range(1, rows + 1):
        name = f"批量客户{i:06d}" + ("😀" if i == bad_row else "")
        lines.append(f"K{i},{name},{city}")
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data, mapping


@pytest.fixture(autouse=True)
def rows_bound_chunks(monkeypatch) -> None:
    """Chunks here end by their row count: the time bound (one test's own) would cut them
    wherever a busy machine happened to be slow."""
    monkeypatch.setenv("CRM_IMPORT_CHUNK_SECONDS", "600")


def customers(engine: Engine) -> list[tuple]:
    """The customers as the import makes them, without bookkeeping columns."""
    with read_session(engine) as s:
        return sorted(
            s.execute(
                select(
                    func.coalesce(Customer.external_id, ""),
                    Customer.name,
                    Customer.city,
                    Customer.owner_id,
                )
            ).all()
        )


def expected(org, rows: int = ROWS, city: str = "北京") -> list[tuple]:
    return sorted((f"bulk:K{i}", f"批量客户{i:06d}", city, org.rep) for i in range(1, rows + 1))


def chunks(engine: Engine, import_id: int) -> list[ImportChunk]:
    return selected(
        engine,
        select(ImportChunk).where(ImportChunk.import_id == import_id).order_by(ImportChunk.chunk),
    )


def status(engine: Engine, import_id: int) -> ImportRun:
    run = ledger.get_run(engine, import_id)
    assert run is not None
    return run


# --- writers wait at most a chunk ------------------------------------------------------


def test_writers_commit_between_the_chunks_of_a_large_import(engine, org, tmp_path) -> None:
    # 5,000 rows in chunks of 500 on SQLite, whose lock keeps no queue; PostgreSQL queues
    # waiting writers by itself and is slower per row, so a smaller file shows the same.
    rows, chunk = (ROWS, CHUNK) if engine.dialect.name == "sqlite" else (1000, 100)
    data, mapping = write_files(tmp_path, rows)
    done = threading.Event()
    writes: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        i = 0
        # A rep saving now and then; a writer that never paused would starve the import
        # on SQLite, which keeps no queue of waiting writers.
        while not done.wait(0.2):
            i += 1
            try:
                writes.append(
                    create_customer(
                        engine,
                        org.rep2,
                        CustomerInput(
                            name=f"前台客户{i}",
                            customer_type="end_user",
                            industry="power",
                            region="north_china",
                        ),
                    )
                )
            except BaseException as error:  # a busy store would show here
                errors.append(error)
                return

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        report = import_file(data, mapping, engine=engine, chunk_size=chunk)
    finally:
        done.set()
        thread.join()

    assert errors == []
    assert report.ok and report.written and report.created == rows, report.text("en")
    committed = chunks(engine, report.import_id)
    assert [c.rows for c in committed] == [chunk] * 10
    assert [(c.first_row, c.last_row) for c in committed[:2]] == [
        (2, chunk + 1),
        (chunk + 2, 2 * chunk + 1),
    ]
    with read_session(engine) as s:
        writer_seqs = s.scalars(select(Customer.change_seq).where(Customer.id.in_(writes))).all()
    first, last = committed[0].committed_seq, committed[-1].committed_seq
    between = [seq for seq in writer_seqs if first < seq < last]
    # The writer's commits interleave with the import's chunks instead of waiting for it.
    assert between, (first, last, sorted(writer_seqs)[:5])
    run = status(engine, report.import_id)
    assert (run.status, run.rows_committed, run.last_row, run.last_chunk) == (
        "done",
        rows,
        rows + 1,
        10,
    )
    assert [c for c in customers(engine) if c[0]] == expected(org, rows)


@ON_SQLITE
def test_a_chunk_also_ends_once_it_has_held_the_write_lock_its_time(
    engine, org, tmp_path, monkeypatch
) -> None:
    data, mapping = write_files(tmp_path, 12)
    seq = _seq(engine)

    # No time at all: every chunk ends after its first row, however many rows it may take.
    report = import_file(data, mapping, engine=engine, chunk_size=500, chunk_seconds=0)

    assert report.ok and report.created == 12 and report.chunks == 12, report.text("en")
    committed = chunks(engine, report.import_id)
    assert [(c.first_row, c.last_row, c.rows) for c in committed] == [
        (row, row, 1) for row in range(2, 14)
    ]
    assert [c for c in customers(engine) if c[0]] == expected(org, 12)
    assert _seq(engine) == seq + 12  # a transaction, and a change number, per chunk
    # Undo holds the lock no longer: one row per transaction again.
    monkeypatch.setenv("CRM_IMPORT_CHUNK_SECONDS", "0")
    assert undo_import(report.import_id, engine=engine) == 12
    assert [c for c in customers(engine) if c[0]] == []
    assert _seq(engine) == seq + 24


# --- killed, resumed, undone ---------------------------------------------------------------


@ON_SQLITE
def test_an_import_failing_after_its_third_chunk_resumes_without_duplicates(
    engine, org, tmp_path, monkeypatch
) -> None:
    data, mapping = write_files(tmp_path, 500)
    real_commit = ledger.commit_chunk
    calls = []

    def failing_commit(session, import_id, chunk, *args, **kwargs):  # type: ignore[no-untyped-def]
        if chunk == 4:
            raise OSError("disk unplugged")
        calls.append(chunk)
        return real_commit(session, import_id, chunk, *args, **kwargs)

    monkeypatch.setattr(ledger, "commit_chunk", failing_commit)
    with pytest.raises(OSError, match="disk unplugged"):
        import_file(data, mapping, engine=engine, chunk_size=100)
    monkeypatch.setattr(ledger, "commit_chunk", real_commit)

    with read_session(engine) as s:
        run = s.scalars(select(ImportRun)).one()
    assert (run.status, run.rows_committed, run.last_row) == ("failed", 300, 301)
    assert len(customers(engine)) == 300

    resumed = import_file(data, mapping, engine=engine, chunk_size=100, resume=run.id)

    assert resumed.import_id == run.id and resumed.resumed_from == 302
    assert (resumed.created, resumed.rows_read) == (200, 200), resumed.text("en")
    assert "resumed from row 302" in resumed.text("en")
    assert customers(engine) == expected(org, 500)
    assert status(engine, run.id).status == "done"
    # Resuming a finished import is refused, and so is another file under its id.
    again = import_file(data, mapping, engine=engine, resume=run.id)
    assert again.exit_code == 2 and "nothing to resume" in again.text("en")
    other, _ = write_files(tmp_path, 10)
    assert "another file" in import_file(other, mapping, engine=engine, resume=run.id).text("en")


@ON_SQLITE
def test_a_killed_crm_import_resumes_on_rerun_then_undo_takes_it_back(
    engine, org, tmp_path
) -> None:
    data, mapping = write_files(tmp_path, 600)
    before = customers(engine)
    env = {
        **os.environ,
        "CRM_STORE_URL": str(engine.url),
        "CRM_DATA_DIR": str(tmp_path / "data"),
        "CRM_IMPORT_CHUNK_SIZE": "60",
    }
    crm = [sys.executable, "-m", "crm.cli"]

    def run_crm(*args: str) -> subprocess.CompletedProcess[str]:
        """`crm` with the test's store and chunk size, run to its end."""
        return subprocess.run(
            [*crm, *args], env=env, cwd=REPO, capture_output=True, text=True, check=False
        )

    child = subprocess.Popen(
        [*crm, "import", str(data), "--mapping", str(mapping), "--lang", "en"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        while len(_chunk_rows(engine)) < 3:  # polls the store, not a clock
            assert child.poll() is None, child.communicate()
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with read_session(engine) as s:
        run = s.scalars(select(ImportRun)).one()
    assert run.status == "running" and 3 <= run.last_chunk < 10
    assert len(customers(engine)) == run.rows_committed

    rerun = run_crm("import", str(data), "--mapping", str(mapping), "--lang", "en")

    assert rerun.returncode == 0, rerun.stderr
    assert f"Import {run.id}: resumed from row {run.last_row + 1}" in rerun.stdout
    assert customers(engine) == sorted(before + expected(org, 600))
    assert status(engine, run.id).status == "done"

    warehouse = tmp_path / "build.duckdb"
    extract(engine, warehouse)
    seq_before_undo = _seq(engine)
    undone = run_crm("import", "--undo", str(run.id), "--lang", "en", "--chunk-size", "250")

    assert undone.returncode == 0, undone.stderr
    assert f"Import {run.id} ({data.name}) undone: 600 rows" in undone.stdout
    assert customers(engine) == before
    assert status(engine, run.id).status == "undone"
    # Through the normal write path: three chunks with change numbers, audited deletes...
    assert _seq(engine) == seq_before_undo + 3
    with read_session(engine) as s:
        audited = s.scalar(select(func.count()).where(AuditLog.action == "import.undo"))
    assert audited == 600
    # ... whose tombstones bring the warehouse back in line on an incremental refresh.
    extract(engine, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = sorted(con.execute("select external_id, name from raw.customers").fetchall())
    assert raw == sorted((e, n) for e, n, _, _ in before)
    again = run_crm("import", "--undo", str(run.id))
    assert again.returncode == 2 and "already undone" in again.stderr


def _chunk_rows(engine: Engine) -> list[int]:
    return selected(engine, select(ImportChunk.rows))


def _seq(engine: Engine) -> int:
    with read_session(engine) as s:
        return current_change_seq(s)


@ON_SQLITE
def test_undo_of_a_reimport_puts_back_exactly_what_it_changed(engine, org, tmp_path) -> None:
    first_file, mapping = write_files(tmp_path, 200)
    first = import_file(first_file, mapping, engine=engine, chunk_size=100)
    assert first.created == 200
    before = customers(engine)
    # The same customers from a later export: 200 moved to 上海, 50 more.
    changed, _ = write_files(tmp_path, 250, city="上海")

    second = import_file(changed, mapping, engine=engine, chunk_size=100)
    assert (second.created, second.updated, second.chunks) == (50, 200, 3)
    rows = undo_import(second.import_id, engine=engine, chunk_size=100)

    assert rows == 250
    assert customers(engine) == before
    assert status(engine, first.import_id).status == "done"
    with pytest.raises(CommandError) as refused:
        undo_import(second.import_id, engine=engine)
    assert refused.value.codes == {"undo": "import_already_undone"}


@ON_SQLITE
def test_a_refused_row_in_a_late_chunk_undoes_the_chunks_before(engine, org, tmp_path) -> None:
    data, mapping = write_files(tmp_path, 40, bad_row=33)
    seq = _seq(engine)

    report = import_file(data, mapping, engine=engine, chunk_size=10, locale="en")

    assert [r.row for r in report.rejected] == [34]
    assert report.undone and not report.written and report.exit_code == 1
    assert "so nothing was written" in report.text("en")
    assert customers(engine) == []
    assert status(engine, report.import_id).status == "undone"
    assert _seq(engine) > seq  # three chunks written, then undone through the write path
    partial = import_file(data, mapping, engine=engine, chunk_size=10, partial=True)
    assert (partial.created, len(partial.rejected), partial.chunks) == (39, 1, 4)


# --- a dry run takes no write lock -------------------------------------------------------


def test_a_dry_run_holds_no_write_lock_while_it_runs(engine, org, tmp_path) -> None:
    data, mapping = write_files(tmp_path, 1000)
    seen: list[int] = []

    calls: set[int] = set()

    def write_meanwhile(rows: int) -> None:
        # Called by the dry run every 500 rows inside its transaction, then once at the end.
        if rows in calls:
            return
        calls.add(rows)
        _take_the_write_lock_at_once(engine)
        seen.append(
            create_customer(
                engine,
                org.rep2,
                CustomerInput(
                    name=f"试运行期间{rows}",
                    customer_type="end_user",
                    industry="power",
                    region="north_china",
                ),
            )
        )

    report = import_file(data, mapping, engine=engine, dry_run=True, progress=write_meanwhile)

    assert report.ok and report.created == 1000 and not report.written, report.text("en")
    assert len(seen) == 2
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 2
        assert s.scalar(select(func.count()).select_from(ImportRun)) == 0


def _take_the_write_lock_at_once(engine: Engine) -> None:
    """Fails at once (no waiting) when another transaction holds the write lock."""
    if engine.dialect.name == "sqlite":
        con = sqlite3.connect(str(engine.url.database), timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
        finally:
            con.close()
        return
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as con:
        con.execute("SELECT value FROM change_counter WHERE id = 1 FOR UPDATE NOWAIT")
        con.rollback()


# --- limits --------------------------------------------------------------------------------


@ON_SQLITE
def test_files_over_the_limits_are_refused_before_any_write(
    engine, org, tmp_path, monkeypatch
) -> None:
    data, mapping = write_files(tmp_path, 30)
    seq = _seq(engine)

    monkeypatch.setenv("CRM_IMPORT_MAX_ROWS", "29")
    rows = import_file(data, mapping, engine=engine, locale="en")
    monkeypatch.setenv("CRM_IMPORT_MAX_ROWS", "30")
    monkeypatch.setenv("CRM_IMPORT_MAX_MB", "0.0001")
    size = import_file(data, mapping, engine=engine, locale="en")

    assert rows.exit_code == 2 and "more than 29 rows" in rows.text("en")
    assert "CRM_IMPORT_MAX_ROWS" in rows.text("zh_CN")
    assert size.exit_code == 2 and "over the import limit of 0.0001 MB" in size.text("en")
    assert _seq(engine) == seq and customers(engine) == []
    monkeypatch.setenv("CRM_IMPORT_MAX_MB", "1")
    assert import_file(data, mapping, engine=engine).created == 30


@pytest.mark.bench
def test_import_bench_writes_its_figures(sqlite_engine, tmp_path) -> None:
    from crm.bench.importer import run_import_bench

    out = tmp_path / "import.json"
    result = run_import_bench(
        rows=2000, chunk_size=500, writers=2, quiet_seconds=1, out=str(out), engine=sqlite_engine
    )

    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["rows"] == 2000 and figures["chunks"] == 4 and figures["writer_errors"] == []
    assert figures["during_ms"]["n"] > 0 and result.during_ms["p95"] > 0


@ON_SQLITE
def test_undo_never_overwrites_a_row_changed_since_the_import(engine, org, tmp_path) -> None:
    """A customer edited after the import holds someone's work: undo writes nothing and
    names it; with --keep-edited it stays as edited and the rest is taken back."""
    from click.testing import CliRunner

    from crm.cli import main
    from ingest.commands.customers import update_customer

    data, mapping = write_files(tmp_path, 30)
    report = import_file(data, mapping, engine=engine, chunk_size=10)
    with read_session(engine) as s:
        edited = s.scalars(select(Customer).where(Customer.name == "批量客户000007")).one()
    update_customer(
        engine,
        org.admin,
        edited.id,
        CustomerInput(
            name=edited.name, customer_type="end_user", industry="power",
            region="north_china", city="天津",
        ),
    )  # fmt: skip
    before, seq = customers(engine), _seq(engine)

    with pytest.raises(CommandError) as refused:
        undo_import(report.import_id, engine=engine)
    assert refused.value.codes == {"undo": "import_undo_edited_since"}
    assert f"customers #{edited.id}" in refused.value.texts("en")["undo"]
    assert (customers(engine), _seq(engine)) == (before, seq)  # nothing written

    done = CliRunner().invoke(
        main, ["import", "--undo", str(report.import_id), "--keep-edited", "--lang", "en"],
        env={"CRM_STORE_URL": str(engine.url)},
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "29" in done.output
    assert customers(engine) == [(edited.external_id, edited.name, "天津", edited.owner_id)]
