from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ingest.commands.base import CommandError, Forbidden
from ingest.commands.customers import (
    ContactInput,
    CustomerInput,
    create_contact,
    create_customer,
    promote_customer,
    update_customer,
)
from ingest.store.db import read_session
from ingest.store.models import AuditLog, Customer
from tests.support.hostile import refused_names


def prospect(**overrides: object) -> CustomerInput:
    values = dict(
        name="华北电力设计院",
        customer_type="design_institute",
        industry="power",
        region="north_china",
    )
    values.update(overrides)
    return CustomerInput(**values)  # type: ignore[arg-type]


def count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_rep_creates_prospect_with_audit(engine, org) -> None:
    customer_id = create_customer(engine, org.rep, prospect())
    with read_session(engine) as s:
        customer = s.get(Customer, customer_id)
        assert (customer.status, customer.owner_id) == ("prospect", org.rep)
        audit = s.scalars(
            select(AuditLog).where(
                AuditLog.entity == "customers", AuditLog.entity_id == customer_id
            )
        ).one()
        assert audit.action == "customer.create" and audit.actor_id == org.rep
        assert "华北电力设计院" in audit.after


def test_rep_may_not_create_formal_customer(engine, org) -> None:
    with pytest.raises(CommandError) as refused:
        create_customer(engine, org.rep, prospect(status="formal"))
    assert refused.value.codes == {"status": "formal_only_steward"}
    assert "数据管理员" in refused.value.texts("zh_CN")["status"]
    assert count(engine, Customer) == 0


def test_steward_creates_formal_and_promotes(engine, org) -> None:
    formal = create_customer(engine, org.steward, prospect(status="formal"))
    lead_customer = create_customer(engine, org.rep, prospect(name="某钢铁集团"))
    with pytest.raises(CommandError):
        promote_customer(engine, org.rep, lead_customer)
    promote_customer(engine, org.steward, lead_customer)
    with read_session(engine) as s:
        assert s.get(Customer, formal).status == "formal"
        assert s.get(Customer, lead_customer).status == "formal"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        *refused_names("name"),
        ("name", "x'; DROP TABLE customers; --", "sql"),
        ("industry", "space_mining", "invalid_choice"),
        ("phone", "call me maybe", "invalid_phone"),
    ],
)
def test_bad_input_is_refused_per_field(engine, org, field, value, code) -> None:
    with pytest.raises(CommandError) as refused:
        create_customer(engine, org.rep, prospect(**{field: value}))
    assert refused.value.codes[field] == code
    assert count(engine, Customer) == 0


def test_idempotent_resubmit_creates_once(engine, org) -> None:
    first = create_customer(engine, org.rep, prospect(), idempotency_key="form-1")
    again = create_customer(engine, org.rep, prospect(), idempotency_key="form-1")
    assert first == again
    assert count(engine, Customer) == 1


def test_rep_cannot_touch_another_reps_customer(engine, org) -> None:
    theirs = create_customer(engine, org.rep_b, prospect())
    with pytest.raises(Forbidden):
        update_customer(engine, org.rep, theirs, prospect(name="改名"))
    with pytest.raises(Forbidden):
        create_contact(engine, org.rep, ContactInput(customer_id=theirs, name="张工"))
    # their manager and the department head may
    update_customer(engine, org.manager_b, theirs, prospect(name="改名"))
    create_contact(engine, org.head, ContactInput(customer_id=theirs, name="张工"))


def test_concurrent_edit_is_refused(engine, org) -> None:
    customer_id = create_customer(engine, org.rep, prospect())
    update_customer(engine, org.rep, customer_id, prospect(city="北京"), expected_version=1)
    with pytest.raises(CommandError) as refused:
        update_customer(engine, org.rep, customer_id, prospect(city="天津"), expected_version=1)
    assert refused.value.codes == {"__all__": "stale"}
    with read_session(engine) as s:
        assert s.get(Customer, customer_id).city == "北京"


def test_batch_keeps_good_rows_and_undoes_refused_ones(engine, org) -> None:
    from ingest.commands.base import batch

    refused = []
    with batch(engine, org.steward, "import:customers.csv") as run:
        for name in ("甲公司", "", "乙公司"):
            try:
                run.run(create_customer, prospect(name=name))
            except CommandError as error:
                refused.append(error.codes)
    assert refused == [{"name": "required"}]
    with read_session(engine) as s:
        assert sorted(s.scalars(select(Customer.name))) == ["乙公司", "甲公司"]
        sources = set(s.scalars(select(AuditLog.source).where(AuditLog.entity == "customers")))
        assert sources == {"import:customers.csv"}


def test_batch_dry_run_writes_nothing(engine, org) -> None:
    from ingest.commands.base import batch

    with batch(engine, org.steward, "import:x.csv", commit=False) as run:
        run.run(create_customer, prospect())
    assert count(engine, Customer) == 0
