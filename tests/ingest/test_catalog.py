from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from ingest.commands.base import CommandError, Forbidden, NotFound
from ingest.commands.catalog import (
    ProductInput,
    create_competitor,
    create_partner,
    create_product,
    deactivate_competitor,
    deactivate_partner,
    update_product,
)
from ingest.store.db import read_session
from ingest.store.models import AuditLog, Competitor, Partner, Product
from tests.support.factories import refusal, store_counts

ROLES = ("rep", "manager", "head", "executive", "finance", "steward", "admin")


def server(**overrides: object) -> ProductInput:
    values: dict[str, object] = dict(
        code="FT-2900",
        name_zh="容错服务器 ftServer 2900",
        name_en="ftServer 2900 fault-tolerant server",
        category="server",
        list_price="268,000.00",
    )
    values.update(overrides)
    return ProductInput(**values)  # type: ignore[arg-type]


def test_steward_creates_and_updates_product_with_audit(engine, org) -> None:
    product_id = create_product(engine, org.steward, server())
    update_product(engine, org.steward, product_id, server(list_price="255000", is_active=False))
    with read_session(engine) as s:
        product = s.get(Product, product_id)
        assert (product.code, product.list_price, product.is_active) == (
            "FT-2900",
            Decimal("255000.00"),
            False,
        )
        audits = s.scalars(
            select(AuditLog).where(AuditLog.entity == "products").order_by(AuditLog.id)
        ).all()
        assert [a.action for a in audits] == ["product.create", "product.update"]
        assert json.loads(audits[1].before)["list_price"] == "268000.00"
        assert json.loads(audits[1].after)["list_price"] == "255000.00"


def test_only_stewards_and_admins_maintain_products(engine, org) -> None:
    product_id = create_product(engine, org.admin, server())
    for role in ROLES:
        allowed = role in ("steward", "admin")
        before = store_counts(engine, Product)
        code = refusal(lambda r=role: create_product(engine, getattr(org, r), server(code=r)))
        assert code == (None if allowed else "forbidden"), role
        if not allowed:
            assert store_counts(engine, Product) == before, role
            with pytest.raises(Forbidden):
                update_product(engine, getattr(org, role), product_id, server(name_en="x"))
    with read_session(engine) as s:
        assert s.get(Product, product_id).name_en == server().name_en


def test_product_input_refused_field_by_field_at_once(engine, org) -> None:
    create_product(engine, org.steward, server())
    bad = ProductInput(
        code="ft-2900", name_zh="", name_en="<b>x</b>", category="hardware", list_price="-1"
    )
    with pytest.raises(CommandError) as refused:
        create_product(engine, org.steward, bad)
    assert refused.value.codes == {
        "code": "duplicate",  # codes are unique regardless of case
        "name_zh": "required",
        "name_en": "markup",
        "category": "invalid_choice",
        "list_price": "negative",
    }
    assert refused.value.texts("zh_CN")["code"] == "已存在相同的记录"
    assert store_counts(engine, Product)["products"] == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"code": "FT 2900"}, "code", "invalid_product_code"),
        ({"code": "x'; DROP TABLE products; --"}, "code", "sql"),
        ({"list_price": "abc"}, "list_price", "not_a_number"),
        ({"list_price": "1.005"}, "list_price", "too_many_decimals"),
        ({"name_zh": "服务器😀"}, "name_zh", "emoji"),
    ],
)
def test_bad_product_field(engine, org, overrides, field, code) -> None:
    before = store_counts(engine, Product)
    with pytest.raises(CommandError) as refused:
        create_product(engine, org.steward, server(**overrides))
    assert refused.value.codes[field] == code
    assert store_counts(engine, Product) == before


def test_free_product_and_update_keeps_own_code(engine, org) -> None:
    product_id = create_product(engine, org.steward, server(category="service", list_price=0))
    # saving a product under its own code is not a duplicate
    update_product(engine, org.steward, product_id, server(category="service", list_price=0))
    with pytest.raises(NotFound):
        update_product(engine, org.steward, 999_999, server())


def test_every_role_but_finance_records_competitors_and_partners(engine, org) -> None:
    for role in ROLES:
        allowed = role != "finance"
        before = store_counts(engine, Competitor, Partner)
        actor = getattr(org, role)
        assert refusal(lambda a=actor, r=role: create_competitor(engine, a, f"对手{r}")) == (
            None if allowed else "forbidden"
        )
        assert refusal(lambda a=actor, r=role: create_partner(engine, a, f"伙伴{r}")) == (
            None if allowed else "forbidden"
        )
        if not allowed:
            assert store_counts(engine, Competitor, Partner) == before
    with read_session(engine) as s:
        assert len(s.scalars(select(Competitor)).all()) == len(ROLES) - 1
        partner = s.scalars(select(Partner).where(Partner.name == "伙伴rep")).one()
        assert (partner.partner_type, partner.created_by) == ("integrator", org.rep)


def test_competitor_and_partner_input(engine, org) -> None:
    competitor_id = create_competitor(engine, org.rep, "Siemens", strengths="DCS 市场占有率高")
    before = store_counts(engine, Competitor, Partner)
    with pytest.raises(CommandError) as refused:
        create_competitor(engine, org.rep2, "  siemens ", strengths="<script>x</script>")
    assert refused.value.codes == {"name": "duplicate", "strengths": "markup"}
    with pytest.raises(CommandError) as refused:
        create_partner(engine, org.rep, "", partner_type="reseller")
    assert refused.value.codes == {"name": "required", "partner_type": "invalid_choice"}
    assert store_counts(engine, Competitor, Partner) == before
    partner_id = create_partner(engine, org.rep, "华东设计院", partner_type="design_institute")
    with read_session(engine) as s:
        assert s.get(Competitor, competitor_id).strengths == "DCS 市场占有率高"
        assert s.get(Partner, partner_id).partner_type == "design_institute"


def test_idempotent_resubmit_records_one_competitor(engine, org) -> None:
    before = store_counts(engine, Competitor)
    first = create_competitor(engine, org.rep, "Honeywell", idempotency_key="form-c1")
    again = create_competitor(engine, org.rep, "Honeywell", idempotency_key="form-c1")
    assert first == again
    after = store_counts(engine, Competitor)
    assert after["competitors"] == before["competitors"] + 1 == 1
    assert after["audit_log"] == before["audit_log"] + 1


def test_only_admin_deactivates(engine, org) -> None:
    competitor_id = create_competitor(engine, org.rep, "ABB")
    partner_id = create_partner(engine, org.rep, "某集成商")
    for role in ("rep", "manager", "head", "executive", "steward", "finance"):
        before = store_counts(engine, Competitor, Partner)
        assert refusal(lambda r=role: deactivate_competitor(engine, getattr(org, r), competitor_id))
        assert refusal(lambda r=role: deactivate_partner(engine, getattr(org, r), partner_id))
        assert store_counts(engine, Competitor, Partner) == before
    deactivate_competitor(engine, org.admin, competitor_id)
    deactivate_partner(engine, org.admin, partner_id)
    with pytest.raises(CommandError) as refused:
        deactivate_competitor(engine, org.admin, competitor_id)
    assert refused.value.codes == {"is_active": "already_inactive"}
    with read_session(engine) as s:
        assert not s.get(Competitor, competitor_id).is_active
        assert not s.get(Partner, partner_id).is_active
        actions = s.scalars(select(AuditLog.action).where(AuditLog.actor_id == org.admin)).all()
        assert sorted(actions) == ["competitor.deactivate", "partner.deactivate"]
