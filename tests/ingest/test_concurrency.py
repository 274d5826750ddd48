"""16 writers at once for a few seconds: nothing fails, nothing is lost, on both backends."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ingest.bench_store import bench_reps, concurrent_writers
from ingest.commands.customers import ContactInput, CustomerInput, create_contact, create_customer
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
