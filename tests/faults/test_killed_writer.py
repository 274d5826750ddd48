"""A writer SIGKILLed inside its write transaction, at a random moment of a long import.

The child imports customers through the domain commands in one transaction (`batch`),
with a page cache so small that SQLite spills the uncommitted pages into the WAL file,
and is killed before it commits. The store then holds none of its rows, the writers
that follow proceed at once (SQLite recovers the WAL and the lock died with the
process), and the next incremental refresh reconciles exactly.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import Engine, text

from ingest.commands.customers import CustomerInput, create_customer
from tests.support.fault_site import REPO, Site, Tally, crm_refresh, seed_of_run, serving
from tests.support.reconciliation import compare_everything, mart

ROWS = 300
WRITER = """
import time
from ingest.commands.base import batch
from ingest.commands.customers import CustomerInput, create_customer

with batch(None, None, "import") as rows:
    rows.ctx.session.connection().exec_driver_sql("PRAGMA cache_size = 20")
    for n in range({rows}):
        rows.run(create_customer, CustomerInput(
            name=f"未提交客户{{n}}", customer_type="end_user", industry="power",
            region="north_china", owner_id={owner}))
        if n == 0:
            print("in transaction", flush=True)
    print("before commit", flush=True)
    time.sleep(600)
"""


def store_state(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("select value from change_counter")).scalar_one(),
            conn.execute(text("select count(*) from customers")).scalar_one(),
            conn.execute(text("select count(*) from audit_log")).scalar_one(),
        )


def a_rep(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("select min(id) from users where role = 'rep'")).scalar_one()


def kill_a_writer(site: Site, delay: float) -> bool:
    """Start the writer, kill it `delay` s after its first row; True if it had reached
    the end of its rows (and was killed waiting to commit)."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(rows=ROWS, owner=a_rep(site.engine))],
        env=site.env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "in transaction"
    time.sleep(delay)
    assert child.poll() is None, "the writer ended on its own"
    child.kill()
    out, _ = child.communicate()
    return "before commit" in out


def writers_proceed(engine: Engine, threads: int = 4, each: int = 5) -> list[int]:
    created: list[int] = []
    owner = a_rep(engine)

    def write(worker: int) -> None:
        for n in range(each):
            created.append(
                create_customer(
                    engine,
                    None,
                    CustomerInput(
                        name=f"之后的客户{worker}-{n}-{len(created)}",
                        customer_type="end_user",
                        industry="water",
                        region="north_china",
                        owner_id=owner,
                    ),
                )
            )

    workers = [threading.Thread(target=write, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return created


def run_kills(site: Site, tally: Tally, kills: int) -> None:
    rng = random.Random(seed_of_run())
    good, projects = serving(site)
    for _ in range(kills):
        before = store_state(site.engine)
        kill_a_writer(site, rng.uniform(0, 6.0))
        tally.injected += 1
        assert store_state(site.engine) == before  # not one row of the import, no change_seq
        with site.engine.connect() as conn:
            assert conn.execute(text("pragma integrity_check")).scalar_one() == "ok"
        created = writers_proceed(site.engine)
        assert len(set(created)) == 20
        after = store_state(site.engine)
        assert after[0] == before[0] + 20 and after[1] == before[1] + 20
        tally.survived += 1

    assert serving(site) == (good, projects)
    done = crm_refresh(site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert serving(site)[0].version > good.version
    compare_everything(site.company)
    customers = store_state(site.engine)[1]
    assert mart(site.company, "select count(*) from mart_customer_costs") == [(customers,)]
    assert mart(
        site.company, "select count(*) from mart_customer_costs where customer_name like '未提交%'"
    ) == [(0,)]


def test_writers_killed_inside_their_transaction(site: Site, tally: Tally) -> None:
    run_kills(site, tally, kills=3)


@pytest.mark.bench
def test_writers_killed_inside_their_transaction_many_times(site: Site, tally: Tally) -> None:
    run_kills(site, tally, kills=20)
