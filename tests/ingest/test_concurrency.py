"""16 writers at once for a few seconds: nothing fails, nothing is lost, on both backends."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from crm.bench.store import bench_reps, concurrent_writers, lock_holds, run_store_bench
from ingest.commands.base import GENERAL, StoreBusy
from ingest.commands.customers import ContactInput, CustomerInput, create_contact, create_customer
from ingest.store import db
from ingest.store.db import read_session
from ingest.store.models import AuditLog, Contact, Customer, DeletedRow


def test_sixteen_concurrent_writers_lose_nothing(engine) -> None:
    reps = bench_reps(engine, 16)

    def write(thread_no: int, i: int) -> int:
        key = f"{thread_no}-{i}-{uuid.uuid4().hex}"
        customer_id = create_customer(
            engine,
            reps[thread_no],
            CustomerInput(
                name=f"并发客户{thread_no}-{i}",
                customer_type="end_user",
                industry="power",
                region="north_china",
            ),
            idempotency_key=key,
        )
        # A double submit from the same form must not create a second customer.
        assert create_customer(engine, reps[thread_no], None, idempotency_key=key) == customer_id
        create_contact(engine, reps[thread_no], ContactInput(customer_id=customer_id, name="王工"))
        return customer_id

    run = concurrent_writers(16, 3.0, write)

    assert run.errors == []
    assert run.submitted > 16
    with read_session(engine) as s:
        customers = s.scalars(select(Customer.id).where(Customer.name.like("并发客户%"))).all()
        assert sorted(customers) == sorted(run.created_ids)
        contacts = s.scalar(select(func.count()).select_from(Contact))
        assert contacts == run.submitted
        # every write stamped a distinct change sequence number and an audit row
        seqs = s.scalars(select(Customer.change_seq).where(Customer.id.in_(customers))).all()
        assert len(set(seqs)) == len(seqs)
        audited = s.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.entity == "customers")
        )
        assert audited == run.submitted
        assert s.scalar(select(func.count()).select_from(DeletedRow)) == 0


def test_a_writer_kept_out_past_the_busy_timeout_is_told_to_try_again(
    sqlite_engine, monkeypatch
) -> None:
    from tests.support.org import make_org

    org = make_org(sqlite_engine)
    # Another process holding SQLite's write lock past the busy timeout (1 s here, 30 s in
    # the product): the command gets one retryable message, not the driver's error.
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 1)
    sqlite_engine.dispose()
    holder = sqlite3.connect(str(sqlite_engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    form = CustomerInput(
        name="等锁客户", customer_type="end_user", industry="power", region="north_china"
    )
    try:
        with pytest.raises(StoreBusy) as refused:
            create_customer(sqlite_engine, org.rep, form, idempotency_key="busy-1")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert refused.value.codes == {GENERAL: "store_busy"}
    assert "try again" in refused.value.texts("en")[GENERAL]
    assert "未保存" in refused.value.texts()[GENERAL]
    # Sent again with the same key, it is saved once.
    customer_id = create_customer(sqlite_engine, org.rep, form, idempotency_key="busy-1")
    with read_session(sqlite_engine) as s:
        assert s.scalars(select(Customer.id).where(Customer.name == "等锁客户")).all() == [
            customer_id
        ]


def test_writers_of_one_process_get_their_turn_in_the_order_they_came(sqlite_engine) -> None:
    from tests.support.org import make_org

    org = make_org(sqlite_engine)
    holding = threading.Event()

    def hold() -> None:
        with db.write_session(sqlite_engine):
            holding.set()
            time.sleep(0.6)  # a long write: the others line up behind it

    def save(n: int) -> None:
        create_customer(
            sqlite_engine,
            org.rep,
            CustomerInput(
                name=f"排队客户{n}",
                customer_type="end_user",
                industry="power",
                region="north_china",
            ),
        )

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    savers = []
    for n in range(6):
        savers.append(threading.Thread(target=save, args=(n,)))
        savers[-1].start()
        time.sleep(0.05)  # each comes after the one before
    for thread in [holder, *savers]:
        thread.join()
    with read_session(sqlite_engine) as s:
        in_commit_order = s.scalars(
            select(Customer.name)
            .where(Customer.name.like("排队客户%"))
            .order_by(Customer.change_seq)
        ).all()
    assert in_commit_order == [f"排队客户{n}" for n in range(6)]


def test_a_writer_kept_waiting_for_its_turn_is_told_to_try_again(
    sqlite_engine, monkeypatch
) -> None:
    from tests.support.org import make_org

    org = make_org(sqlite_engine)
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_S", 1)
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write_session(sqlite_engine):
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait()
    try:
        with pytest.raises(StoreBusy) as refused:
            create_customer(
                sqlite_engine,
                org.rep,
                CustomerInput(
                    name="等太久", customer_type="end_user", industry="power", region="north_china"
                ),
            )
    finally:
        done.set()
        holder.join()
    assert refused.value.codes == {GENERAL: "store_busy"}
    with read_session(sqlite_engine) as s:
        assert s.scalars(select(Customer.id).where(Customer.name == "等太久")).all() == []


def test_the_write_lock_is_timed_once_per_write_transaction(engine) -> None:
    rep = bench_reps(engine, 1)[0]
    customer = CustomerInput(
        name="计时客户", customer_type="end_user", industry="power", region="north_china"
    )
    holds, stop = lock_holds(engine)
    began = time.perf_counter()
    for n in range(5):
        create_customer(engine, rep, customer, idempotency_key=f"held-{n}")
    took = time.perf_counter() - began
    with read_session(engine) as s:  # a read takes no write lock
        s.scalar(select(func.count()).select_from(Customer))
    stop()
    create_customer(engine, rep, customer, idempotency_key="after-stop")
    assert len(holds) == 5
    assert 0 < sum(holds) < took


def test_the_store_bench_reports_each_count_of_writers(engine, tmp_path) -> None:
    # 24 writers outnumber the shared pool of 20: on PostgreSQL each gets its own connection.
    bench = run_store_bench(
        ops=7, writers=[2, 24], seconds=1.0, out=str(tmp_path / "s.json"), engine=engine
    )
    assert [c["writers"] for c in bench.concurrent] == [2, 24]
    for run in bench.concurrent:
        assert run["errors"] == 0 and run["lost"] == 0 and run["submitted"] > 0
        assert 0 < run["lock_held_p50_ms"] <= run["lock_held_p95_ms"] <= run["latency_p95_ms"]
        assert run["lock_bound_per_s"] > 0
    assert "24 writers" in bench.summary()
