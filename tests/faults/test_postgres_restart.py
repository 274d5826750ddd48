"""PostgreSQL restarted (`pg_ctl restart -m fast`) while writers keep entering records.

A private cluster on a free port is started for the test (the shared server on 5432 is
never touched). Writers whose transaction or connection the restart cuts get one clear,
retryable refusal (`store_unavailable`) and send the same command again with the same
idempotency key; afterwards every record exists exactly once with its audit row, and the
refresh of the PostgreSQL store reconciles exactly.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ingest.commands.base import StoreUnavailable
from ingest.commands.customers import CustomerInput, create_customer
from ingest.store.db import get_engine
from tests.support.company import AS_OF
from tests.support.fault_site import Site, Tally, crm_refresh, serving
from tests.support.processes import free_port
from tests.support.reconciliation import compare_everything, mart

RETRY_TEXT = "The database restarted or could not be reached; nothing was saved, please try again"


class Cluster:
    def __init__(self, folder: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("no PostgreSQL server binaries")
        self.bin = Path(found[-1]).parent
        self.folder = folder
        self.port = free_port()

    def run(self, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=120)

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-o", options,
            "-l", str(self.folder / "log"), *args,
        )  # fmt: skip


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # Not under pytest's temporary folder: pytest makes that readable by its owner only,
    # and the server runs as postgres when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="crm-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = Cluster(folder)
    server.run(str(server.bin / "initdb"), "-D", str(folder / "data"), "-A", "trust",
               "-U", "postgres", "--no-sync")  # fmt: skip
    server.pg_ctl("start")
    try:
        yield server
    finally:
        server.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_site(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The tiny company seeded into the private cluster, with a data folder of its own."""
    root = tmp_path_factory.mktemp("pg_site")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres"
    env = {**os.environ, "CRM_DATA_DIR": str(root), "CRM_STORE_URL": url}
    env.pop("DAGSTER_HOME", None)
    for args in (["init"], ["seed", "--profile", "tiny", "--seed", "7", "--as-of", str(AS_OF)]):
        subprocess.run([sys.executable, "-m", "crm.cli", *args], env=env, check=True,
                       capture_output=True)  # fmt: skip
    engine = get_engine(url)
    yield Site(root, engine, env)
    engine.dispose()


def owner(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("select min(id) from users where role = 'rep'")).scalar_one()


def test_writers_through_a_postgresql_restart(
    cluster: Cluster, pg_site: Site, tally: Tally
) -> None:
    engine, rep = pg_site.engine, owner(pg_site.engine)
    done: list[str] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []
    stop = threading.Event()

    def write(worker: int) -> None:
        n = 0
        while not stop.is_set():
            name, key = f"重启客户{worker}-{n}", uuid.uuid4().hex
            while True:  # the same command, with the same key, until it is answered
                try:
                    create_customer(
                        engine,
                        None,
                        CustomerInput(
                            name=name,
                            customer_type="end_user",
                            industry="power",
                            region="north_china",
                            owner_id=rep,
                        ),
                        idempotency_key=key,
                    )
                    break
                except StoreUnavailable as error:
                    refused.append(error.texts("en")["__all__"])
                    time.sleep(0.1)
                except BaseException as error:
                    unexpected.append(error)
                    return
            done.append(name)
            n += 1

    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for writer in writers:
        writer.start()
    try:
        while len(done) < 20 and not unexpected:
            time.sleep(0.1)
        cluster.pg_ctl("restart", "-m", "fast")
        tally.injected += 1
        before = len(done)
        while len(done) < before + 20 and not unexpected:
            time.sleep(0.1)
    finally:
        stop.set()
        for writer in writers:
            writer.join(timeout=120)
    assert not unexpected, unexpected[:3]
    assert refused and set(refused) == {RETRY_TEXT}
    with engine.connect() as conn:
        stored = conn.execute(
            text("select name, count(*) from customers where name like '重启客户%' group by name")
        ).all()
        unaudited = conn.execute(
            text(
                "select count(*) from customers c where c.name like '重启客户%' and not exists "
                "(select 1 from audit_log a where a.entity = 'customers' and a.entity_id = c.id)"
            )
        ).scalar_one()
    assert sorted(stored) == sorted((name, 1) for name in done)
    assert unaudited == 0

    refreshed = crm_refresh(pg_site)
    assert refreshed.returncode == 0, refreshed.stderr[-2000:]
    assert serving(pg_site)[0].version == 1
    compare_everything(pg_site.company)
    assert mart(
        pg_site.company,
        "select count(*) from mart_customer_costs where customer_name like '重启客户%'",
    ) == [(len(done),)]
    tally.survived += 1
