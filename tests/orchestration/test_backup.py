"""`crm backup` and `crm restore`: a backup taken while writers commit restores exactly the
rows up to its change number; a restored installation refreshes; refusals (in use, newer
data, damaged backup) write nothing; PostgreSQL round trip; the nightly Dagster job."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import psycopg
import pytest
from alembic.script import ScriptDirectory
from dagster._core.test_utils import instance_for_test
from sqlalchemy import Engine, create_engine, select, text

from ingest.commands.customers import CustomerInput, create_customer, update_customer
from ingest.commands.expenses import ExpenseInput, create_expense, delete_expense
from ingest.extract import extract, watermarks
from ingest.store.db import get_engine, read_session
from ingest.store.models import Base, Customer, Expense
from ingest.store.setup import alembic_config
from orchestration import backup as backup_module
from orchestration import snapshots
from orchestration.backup import BackupError, backups, create_backup, pg_tool
from orchestration.dbt_runner import INCREMENTAL_FILE, decide_full_build
from orchestration.definitions import defs
from orchestration.defs.maintenance import backup_job, prune_job
from orchestration.refresh import run_refresh
from orchestration.restore import restore_backup, verify
from orchestration.store_behind import rebuild_if_store_is_behind
from tests.support.org import make_org
from tests.support.stores import PG_ADMIN
from tests.support.story import make_story

WRITERS = 3


def rows(engine: Engine, table: str) -> dict[tuple, dict]:
    """Every row of a table by primary key."""
    sa_table = Base.metadata.tables[table]
    key = [c.name for c in sa_table.primary_key.columns]
    with engine.connect() as con:
        found = con.execute(select(sa_table)).mappings().all()
    return {tuple(r[k] for k in key): dict(r) for r in found}


def reconcile_as_of(source: Engine, restored: Engine, change_seq: int) -> int:
    """The restored store is the source as of `change_seq`: every row the source committed
    at or before it (and not changed since) is there unchanged, nothing later is there at
    all, and a row missing from the source was deleted after it. Returns rows compared."""
    tombstones = {
        (r["table_name"], r["row_id"])
        for r in rows(source, "deleted_rows").values()
        if r["change_seq"] > change_seq
    }
    compared = 0
    for table in Base.metadata.sorted_tables:
        before, after = rows(source, table.name), rows(restored, table.name)
        if "change_seq" not in table.c:
            if table.name != "change_counter":
                # bookkeeping without a change number: what the copy has, the source has
                assert all(before.get(k) == row for k, row in after.items()), table.name
            continue
        for key, row in after.items():
            assert row["change_seq"] is None or row["change_seq"] <= change_seq, (table.name, key)
        for key, row in before.items():
            if row["change_seq"] is not None and row["change_seq"] <= change_seq:
                assert after.get(key) == row, (table.name, key)
                compared += 1
        for key in after:
            if key not in before and table.name not in ("audit_log", "deleted_rows"):
                assert (table.name, key[0]) in tombstones, (table.name, key)
    with restored.connect() as con:
        assert con.execute(text("SELECT value FROM change_counter")).scalar_one() == change_seq
    return compared


class Writers:
    """Threads committing domain commands (creates, updates, deletes) until stopped."""

    def __init__(self, engine: Engine, org) -> None:
        self.engine, self.org = engine, org
        self.stop = threading.Event()
        self.committed = threading.Event()
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self.work, args=(n,)) for n in range(WRITERS)]

    def work(self, n: int) -> None:
        engine, rep = self.engine, self.org.rep
        i = 0
        try:
            while not self.stop.is_set():
                data = CustomerInput(
                    name=f"负载客户{n}-{i}",
                    customer_type="end_user",
                    industry="power",
                    region="north_china",
                )
                customer = create_customer(engine, rep, data, idempotency_key=f"load-{n}-{i}")
                update_customer(engine, rep, customer, dataclasses.replace(data, city="天津"))
                expense = create_expense(
                    engine,
                    rep,
                    ExpenseInput(
                        category="travel",
                        amount="10",
                        incurred_date=dt.date.today(),
                        customer_id=customer,
                    ),
                )
                delete_expense(engine, rep, expense)
                self.committed.set()
                i += 1
        except BaseException as error:  # reported by the test
            self.errors.append(error)

    def __enter__(self) -> Writers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()
        assert not self.errors, self.errors


def test_a_backup_under_load_restores_exactly_the_rows_up_to_its_change_number(
    refreshed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, org, _, warehouse = refreshed
    monkeypatch.setattr(backup_module, "BACKUP_PAGES", 4)  # many steps
    steps: list[int] = []

    with Writers(engine, org) as writers:
        assert writers.committed.wait(60)

        def progress(remaining: int, total: int) -> None:
            if not steps:
                writers.committed.clear()
                assert writers.committed.wait(60)
            steps.append(remaining)

        folder = create_backup(tmp_path / "backups", engine=engine, progress=progress)
    assert len(steps) > 3 and steps[-1] == 0
    manifest = verify(folder)
    change_seq = manifest["store"]["change_seq"]
    with engine.connect() as con:
        assert con.execute(text("SELECT value FROM change_counter")).scalar_one() > change_seq
    assert (
        manifest["store"]["migration_revision"]
        == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    )
    assert manifest["snapshot"]["version"] == snapshots.current(warehouse.parent).version
    assert {f["path"] for f in manifest["files"]} == {
        "store.sqlite",
        f"snapshot/{snapshots.current(warehouse.parent).path.name}",
    }
    assert oct(folder.stat().st_mode & 0o777) == "0o700"

    # into a fresh data folder
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("CRM_DATA_DIR", str(fresh))
    restored_engine = get_engine(f"sqlite:///{fresh / 'crm.db'}")
    done = restore_backup(folder, engine=restored_engine)
    assert done.change_seq == change_seq and done.replaced_change_seq is None
    assert reconcile_as_of(engine, restored_engine, change_seq) > 100
    in_service = snapshots.current(fresh / "warehouse")
    assert in_service.version == manifest["snapshot"]["version"]

    # the next refresh works on the restored store and publishes what it holds
    summary = run_refresh(engine=restored_engine, warehouse=fresh / "warehouse" / "build.duckdb")
    assert summary.snapshot.change_seq == change_seq
    assert summary.snapshot.version == in_service.version + 1
    with read_session(restored_engine) as s:
        store_customers = len(s.scalars(select(Customer.id)).all())
        store_expenses = len(s.scalars(select(Expense.id)).all())
    with duckdb.connect(str(summary.snapshot.path), read_only=True) as con:
        assert con.execute("select count(*) from dim_customers where is_current").fetchall() == [
            (store_customers,)
        ]
        assert con.execute("select count(*) from fct_expenses").fetchall() == [(store_expenses,)]
    restored_engine.dispose()


def _restore_cli(env: dict[str, str], folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm.cli", "restore", str(folder), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def holding(opens: str, path: Path) -> Iterator[subprocess.Popen]:
    """Another process that has opened `path` (Python code `opens`, given the path as
    sys.argv[1]) and holds it until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", f"{opens}; print('ready', flush=True); sys.stdin.read()", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        yield process
    finally:
        process.communicate("")


def test_restore_refuses_newer_data_a_running_installation_and_a_damaged_backup(
    story, warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, org, _ = story
    url = engine.url.render_as_string(hide_password=False)
    database = Path(str(engine.url.database))
    env = {**os.environ, "CRM_DATA_DIR": str(warehouse.parent.parent), "CRM_STORE_URL": url}
    folder = create_backup(tmp_path / "backups", engine=engine)
    assert verify(folder)["snapshot"] is None  # never refreshed: the store alone
    wanted = verify(folder)["store"]["change_seq"]
    create_customer(
        engine,
        org.rep,
        CustomerInput(
            name="备份之后", customer_type="end_user", industry="power", region="north_china"
        ),
    )
    engine.dispose()

    # newer data: one line, nothing written
    refused = _restore_cli(env, folder)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: the store has newer data (change {wanted + 1}) than the backup "
        f"(change {wanted}); restore anyway with --force"
    ]

    # in use by another process (an app, the daemon's sensor): refused
    opens_store = (
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
        "c.execute('select value from change_counter').fetchall()"
    )
    with holding(opens_store, database) as holder:
        refused = _restore_cli(env, folder, "--force")
        assert refused.returncode == 1
        [line] = refused.stderr.strip().splitlines()
        assert line.startswith(f"Error: the store is open in another process (pid {holder.pid}")

    # a refresh holding the warehouse: refused
    with holding("import duckdb,sys; c=duckdb.connect(sys.argv[1])", warehouse):
        refused = _restore_cli(env, folder, "--force")
        assert refused.stderr.strip().splitlines() == [
            "Error: a refresh holds the warehouse; wait for it or stop it, then restore"
        ]

    # a Dagster run in progress (a schedule's refresh between two steps): refused
    from dagster import DagsterInstance, DagsterRun, DagsterRunStatus

    from orchestration.dagster_refresh import PID_TAG, dagster_home

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    dagster_home()
    with DagsterInstance.get() as instance:
        run = DagsterRun(job_name="incremental_refresh_job", status=DagsterRunStatus.STARTED)
        instance.add_run(run)
        abandoned = DagsterRun(
            job_name="full_refresh_job",
            status=DagsterRunStatus.STARTED,
            tags={PID_TAG: str(2**22 + 1)},  # above Linux's pid_max: no such process
        )
        instance.add_run(abandoned)
        with pytest.raises(
            BackupError, match=f"a Dagster run is in progress \\(run {run.run_id}\\)"
        ):
            restore_backup(folder, engine=engine, force=True, warehouse=warehouse)
        instance.delete_run(run.run_id)
    env["DAGSTER_HOME"] = str(tmp_path / "dagster")  # the abandoned run stays: no refusal

    # damaged: checked before anything else, the store untouched
    damaged = tmp_path / "damaged"
    shutil.copytree(folder, damaged)
    with (damaged / "store.sqlite").open("r+b") as handle:
        handle.seek(5000)
        byte = handle.read(1)
        handle.seek(5000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    refused = _restore_cli(env, damaged, "--force")
    assert refused.stderr.strip().splitlines() == [
        "Error: backup damaged: store.sqlite does not match its checksum"
    ]
    (damaged / "store.sqlite").write_bytes(b"short")
    with pytest.raises(BackupError, match="missing or has another size"):
        verify(damaged)
    (damaged / "manifest.json").unlink()
    with pytest.raises(BackupError, match=r"has no manifest\.json"):
        verify(damaged)
    with read_session(engine) as s:
        assert s.scalar(select(Customer.id).where(Customer.name == "备份之后")) is not None

    # --force: back to the backup
    engine.dispose()
    forced = _restore_cli(env, folder, "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"restored the store at change {wanted} over the store at change {wanted + 1}" in (
        forced.stdout
    )
    with read_session(engine) as s:
        assert s.scalar(select(Customer.id).where(Customer.name == "备份之后")) is None


def test_a_warehouse_ahead_of_its_store_is_extracted_and_built_afresh(refreshed) -> None:
    """A store put back behind the warehouse (restored by other means): raw starts over
    from the store, and the dbt build that follows is full."""
    engine, org, _, warehouse = refreshed
    database = Path(str(engine.url.database))
    older = database.with_name("older.db")
    shutil.copyfile(database, older)  # the refreshed store, at raw's watermark
    later = create_customer(
        engine,
        org.rep,
        CustomerInput(
            name="后来的客户", customer_type="end_user", industry="power", region="north_china"
        ),
    )
    extract(engine, warehouse)  # raw now has the later customer
    engine.dispose()
    os.replace(older, database)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)

    assert rebuild_if_store_is_behind(engine, warehouse)
    assert not (warehouse.parent / INCREMENTAL_FILE).exists()
    summary = extract(engine, warehouse)
    assert summary.full
    with engine.connect() as con:
        counter = con.execute(text("SELECT value FROM change_counter")).scalar_one()
        customers = con.execute(text("SELECT count(*) FROM customers")).scalar_one()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert set(watermarks(con).values()) == {counter}
        assert con.execute("select count(*) from raw.customers").fetchall() == [(customers,)]
        assert con.execute(f"select count(*) from raw.customers where id = {later}").fetchall() == [
            (0,)
        ]
    assert decide_full_build(warehouse, asked=False)
    assert not rebuild_if_store_is_behind(engine, warehouse)  # in step again


def test_pg_dump_missing_or_older_than_the_server_is_refused_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match=r"^pg_dump is not on PATH: install the PostgreSQL 16"):
        pg_tool("pg_dump", 16)
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.4'\n")
    old.chmod(0o755)
    with pytest.raises(BackupError, match=r"^pg_dump 13.4 is older than the PostgreSQL 16 server"):
        pg_tool("pg_dump", 16)
    assert pg_tool("pg_dump", 13) == (str(old), "13.4")


@pytest.mark.postgres
@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="no PostgreSQL tools"
)
def test_postgres_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = PG_ADMIN.replace("+psycopg", "")
    names = [f"crm_backup_{side}_{os.getpid()}" for side in ("source", "target")]
    urls = [PG_ADMIN.rsplit("/", 1)[0] + f"/{name}" for name in names]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        from ingest.store.setup import init_store

        source = get_engine(urls[0])
        init_store(source)
        org = make_org(source)
        make_story(source, org)
        monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
        with Writers(source, org) as writers:
            assert writers.committed.wait(60)
            folder = create_backup(tmp_path / "backups", engine=source)
        manifest = verify(folder)
        assert manifest["store"]["backend"] == "postgresql"
        assert manifest["store"]["file"] == "store.dump"
        target = create_engine(urls[1])  # never pooled by get_engine: restore sees no session
        done = restore_backup(folder, engine=target, warehouse=tmp_path / "wh" / "build.duckdb")
        assert done.replaced_change_seq is None
        restored = create_engine(urls[1])
        assert reconcile_as_of(source, restored, manifest["store"]["change_seq"]) > 50
        restored.dispose()
        # a second session on the target: refused
        holder = create_engine(urls[1])
        with holder.connect() as con:
            con.execute(text("select 1"))
            with pytest.raises(BackupError, match="other session"):
                restore_backup(folder, engine=target, warehouse=tmp_path / "wh" / "build.duckdb")
        holder.dispose()
    finally:
        get_engine(urls[0]).dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_nightly_backup_job_keeps_the_last_n(
    story, warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _org, _ = story
    monkeypatch.setenv("CRM_STORE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CRM_BACKUP_DIR", str(tmp_path / "nightly"))
    monkeypatch.setenv("CRM_BACKUP_KEEP", "2")
    home = tmp_path / "dagster_home"
    home.mkdir()
    crashed, under_way = (tmp_path / "nightly" / f".crm-{n}.partial" for n in ("old", "new"))
    for leftover in (crashed, under_way):
        leftover.mkdir(parents=True)
    os.utime(crashed, (1_000_000_000, 1_000_000_000))
    with instance_for_test(temp_dir=str(home)) as instance:
        for _ in range(3):
            assert backup_job.execute_in_process(instance=instance).success
        kept = backups(tmp_path / "nightly")
        assert len(kept) == 2
        assert not crashed.exists() and under_way.exists()
        for folder in kept:
            verify(folder)
        assert len(instance.get_runs()) == 3
        # the prune job forgets finished runs past CRM_RETAIN_RUN_DAYS (0: all of them)
        monkeypatch.setenv("CRM_RETAIN_RUN_DAYS", "0")
        result = prune_job.execute_in_process(instance=instance)
        assert result.success
        assert [r.job_name for r in instance.get_runs()] == ["prune_job"]
    with open(kept[-1] / "manifest.json") as handle:
        assert json.load(handle)["store"]["backend"] == "sqlite"
    schedules = {s.name: s for s in defs.get_repository_def().schedule_defs}
    assert schedules["backup_schedule"].cron_schedule == "30 1 * * *"
    assert schedules["prune_schedule"].cron_schedule == "30 3 * * *"
    assert schedules["backup_schedule"].execution_timezone == "Asia/Shanghai"
