from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from ingest.commands.base import CommandError, NotFound
from ingest.commands.catalog import (
    ProductInput,
    create_competitor,
    create_partner,
    create_product,
    deactivate_competitor,
    update_product,
)
from ingest.commands.project_links import (
    QuoteInput,
    QuoteLineInput,
    add_competitor,
    add_partner,
    create_quote,
    remove_competitor,
    remove_contact_role,
    remove_partner,
    set_contact_role,
    set_quote_status,
)
from ingest.store.db import read_session
from ingest.store.models import (
    AuditLog,
    DeletedRow,
    ProjectCompetitor,
    ProjectContact,
    ProjectPartner,
    Quote,
    QuoteLine,
)
from tests.support.factories import (
    PROJECT_WORK_MATRIX,
    add_member,
    make_contact,
    make_customer,
    make_project,
    refusal,
    selected,
    set_project_status,
    store_counts,
)
from tests.support.org import Org

LINK_TABLES = (ProjectContact, ProjectCompetitor, ProjectPartner, Quote, QuoteLine)


@dataclass
class Scene:
    project: int
    contact: int
    competitor: int
    partner: int
    server: int  # product FT-2900, list price 268,000
    service: int  # product SVC-INSTALL, list price 12,000


@pytest.fixture
def scene(engine: Engine, org: Org) -> Scene:
    """A project of org.rep on their customer, with a contact and some master data."""
    customer = make_customer(engine, org.rep)
    product = ProductInput("FT-2900", "容错服务器", "ftServer", "server", "268000")
    return Scene(
        project=make_project(engine, org.rep, customer),
        contact=make_contact(engine, org.rep, customer),
        competitor=create_competitor(engine, org.rep, "Siemens"),
        partner=create_partner(engine, org.rep, "华东集成", partner_type="distributor"),
        server=create_product(engine, org.steward, product),
        service=create_product(
            engine,
            org.steward,
            ProductInput("SVC-INSTALL", "安装服务", "Install", "service", 12000),
        ),
    )


def quote_input(scene: Scene, **overrides: object) -> QuoteInput:
    values: dict[str, object] = dict(
        project_id=scene.project,
        quote_date=dt.date(2025, 3, 1),
        valid_until="2025-03-31",
        lines=[
            QuoteLineInput("FT-2900", quantity=2, discount_rate="0.15"),
            QuoteLineInput(scene.service, quantity=3, unit_price="9999.99", discount_rate="0.333"),
        ],
    )
    values.update(overrides)
    return QuoteInput(**values)  # type: ignore[arg-type]


def audits(engine: Engine, entity: str) -> list[AuditLog]:
    return selected(engine, select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id))


# --- decision tree -----------------------------------------------------------------------


def test_contact_role_is_an_upsert_with_audit(engine, org, scene) -> None:
    first = set_contact_role(engine, org.rep, scene.project, scene.contact, "influencer")
    again = set_contact_role(
        engine, org.rep, scene.project, scene.contact, "decision_maker", "supportive", "总工"
    )
    before_resubmit = store_counts(engine, *LINK_TABLES)
    set_contact_role(
        engine, org.rep, scene.project, scene.contact, "decision_maker", "supportive", "总工"
    )
    assert store_counts(engine, *LINK_TABLES) == before_resubmit  # same state: nothing written
    assert first == again
    with read_session(engine) as s:
        link = s.get(ProjectContact, first)
        assert (link.decision_role, link.attitude, link.notes) == (
            "decision_maker",
            "supportive",
            "总工",
        )
    trail = audits(engine, "project_contacts")
    assert [a.action for a in trail] == ["project_contact.create", "project_contact.update"]
    assert json.loads(trail[1].before)["decision_role"] == "influencer"


def test_contact_of_another_customer_is_refused(engine, org, scene) -> None:
    stranger = make_contact(engine, org.rep, make_customer(engine, org.rep, "另一家公司"), "李工")
    before = store_counts(engine, *LINK_TABLES)
    with pytest.raises(CommandError) as refused:
        set_contact_role(engine, org.rep, scene.project, stranger, "user")
    assert refused.value.codes == {"contact_id": "customer_mismatch"}
    assert store_counts(engine, *LINK_TABLES) == before


def test_contact_role_input_refused_at_once(engine, org, scene) -> None:
    before = store_counts(engine, *LINK_TABLES)
    with pytest.raises(CommandError) as refused:
        set_contact_role(
            engine, org.rep, scene.project, scene.contact, "boss", "hostile", "<img onerror=x>"
        )
    assert refused.value.codes == {
        "decision_role": "invalid_choice",
        "attitude": "invalid_choice",
        "notes": "markup",
    }
    with pytest.raises(NotFound):
        set_contact_role(engine, org.rep, scene.project, 999_999, "user")
    assert store_counts(engine, *LINK_TABLES) == before


def test_remove_contact_role_leaves_tombstone_and_audit(engine, org, scene) -> None:
    link = set_contact_role(engine, org.rep, scene.project, scene.contact, "gatekeeper")
    assert remove_contact_role(engine, org.manager, scene.project, scene.contact) == link
    with read_session(engine) as s:
        assert s.get(ProjectContact, link) is None
        tomb = s.scalars(select(DeletedRow).where(DeletedRow.table_name == "project_contacts"))
        assert [(t.row_id, t.deleted_by) for t in tomb] == [(link, org.manager)]
    removal = audits(engine, "project_contacts")[-1]
    assert (removal.action, removal.after, removal.entity_id) == (
        "project_contact.remove",
        None,
        link,
    )
    assert json.loads(removal.before)["decision_role"] == "gatekeeper"
    with pytest.raises(NotFound) as refused:
        remove_contact_role(engine, org.rep, scene.project, scene.contact)
    assert refused.value.codes == {"contact_id": "not_found"}


# --- competitors and partners ------------------------------------------------------------


def test_one_primary_competitor_per_project(engine, org, scene) -> None:
    other = create_competitor(engine, org.rep, "Honeywell")
    first = add_competitor(
        engine, org.rep, scene.project, scene.competitor, "high", True, "1,200,000"
    )
    second = add_competitor(engine, org.rep, scene.project, other, "medium", is_primary=True)
    with read_session(engine) as s:
        first_link, second_link = s.get(ProjectCompetitor, first), s.get(ProjectCompetitor, second)
        assert (first_link.is_primary, first_link.quoted_amount) == (False, Decimal("1200000"))
        assert (second_link.is_primary, second_link.threat_level) == (True, "medium")
    cleared = [a for a in audits(engine, "project_competitors") if a.entity_id == first]
    assert [a.action for a in cleared] == ["project_competitor.create", "project_competitor.update"]
    assert json.loads(cleared[1].before)["is_primary"] is True


def test_competitor_link_refusals(engine, org, scene) -> None:
    retired = create_competitor(engine, org.rep, "Old Vendor")
    deactivate_competitor(engine, org.admin, retired)
    before = store_counts(engine, *LINK_TABLES)
    with pytest.raises(CommandError) as refused:
        add_competitor(engine, org.rep, scene.project, retired)
    assert refused.value.codes == {"competitor_id": "inactive"}
    with pytest.raises(CommandError) as refused:
        add_competitor(engine, org.rep, scene.project, scene.competitor, "extreme", False, "-5")
    assert refused.value.codes == {"threat_level": "invalid_choice", "quoted_amount": "negative"}
    with pytest.raises(NotFound):
        remove_competitor(engine, org.rep, scene.project, scene.competitor)
    assert store_counts(engine, *LINK_TABLES) == before


def test_partner_role_defaults_to_partner_type(engine, org, scene) -> None:
    link = add_partner(engine, org.rep, scene.project, scene.partner, notes="负责供货")
    with read_session(engine) as s:
        assert s.get(ProjectPartner, link).partner_role == "distributor"
    with pytest.raises(CommandError) as refused:
        add_partner(engine, org.rep, scene.project, scene.partner, partner_role="friend")
    assert refused.value.codes == {"partner_role": "invalid_choice"}
    add_partner(engine, org.rep, scene.project, scene.partner, "integrator", "改为集成")
    remove_partner(engine, org.rep, scene.project, scene.partner)
    actions = [a.action for a in audits(engine, "project_partners")]
    assert actions == ["project_partner.create", "project_partner.update", "project_partner.remove"]


# --- closed projects ---------------------------------------------------------------------


def test_closed_project_freezes_links_but_not_notes(engine, org, scene) -> None:
    set_contact_role(engine, org.rep, scene.project, scene.contact, "decision_maker")
    add_competitor(engine, org.rep, scene.project, scene.competitor, "high", True)
    quote = create_quote(engine, org.rep, quote_input(scene))
    set_project_status(engine, scene.project, "lost")
    before = store_counts(engine, *LINK_TABLES)
    refused_calls: list[Callable[[], object]] = [
        lambda: set_contact_role(engine, org.rep, scene.project, scene.contact, "influencer"),
        lambda: add_competitor(engine, org.rep, scene.project, scene.competitor, "low", True),
        lambda: add_partner(engine, org.rep, scene.project, scene.partner),
        lambda: remove_contact_role(engine, org.rep, scene.project, scene.contact),
        lambda: remove_competitor(engine, org.rep, scene.project, scene.competitor),
        lambda: create_quote(engine, org.rep, quote_input(scene)),
        lambda: set_quote_status(engine, org.rep, quote, "accepted"),
    ]
    for call in refused_calls:
        assert refusal(call) == "closed_notes_only"
    assert store_counts(engine, *LINK_TABLES) == before
    # the lessons of a lost deal are written after it closes
    set_contact_role(
        engine, org.rep, scene.project, scene.contact, "decision_maker", notes="倾向对手"
    )
    add_competitor(engine, org.rep, scene.project, scene.competitor, "high", True, notes="低价中标")
    with read_session(engine) as s:
        assert s.scalars(select(ProjectContact.notes)).one() == "倾向对手"
        assert s.scalars(select(ProjectCompetitor.notes)).one() == "低价中标"


# --- quotes ------------------------------------------------------------------------------


def test_quote_lines_default_price_discount_and_rounding(engine, org, scene) -> None:
    quote_id = create_quote(engine, org.rep, quote_input(scene))
    with read_session(engine) as s:
        quote = s.get(Quote, quote_id)
        lines = s.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote_id)).all()
        by_product = {line.product_id: line for line in lines}
        server, service = by_product[scene.server], by_product[scene.service]
        # 2 × 268,000 × 0.85; 3 × 9,999.99 × 0.667 = 20009.97999 → 20009.98
        assert (server.unit_price, server.line_amount) == (Decimal("268000"), Decimal("455600"))
        assert (service.discount_rate, service.line_amount) == (
            Decimal("0.333"),
            Decimal("20009.98"),
        )
        assert quote.total_amount == Decimal("475609.98")
        assert quote.quote_no == f"BJ20250301-{quote_id:06d}"
        assert (quote.status, quote.valid_until) == ("draft", dt.date(2025, 3, 31))
    actions = [a.action for a in audits(engine, "quotes") + audits(engine, "quote_lines")]
    assert actions == ["quote.create", "quote_line.create", "quote_line.create"]


def test_a_list_price_change_does_not_touch_existing_quotes(engine, org, scene) -> None:
    quote_id = create_quote(engine, org.rep, quote_input(scene))
    product = ProductInput("FT-2900", "容错服务器", "ftServer", "server", "300000")
    update_product(engine, org.steward, scene.server, product)
    with read_session(engine) as s:
        assert s.get(Quote, quote_id).total_amount == Decimal("475609.98")


def test_quote_errors_are_keyed_per_line(engine, org, scene) -> None:
    update_product(
        engine,
        org.steward,
        scene.service,
        ProductInput("SVC-INSTALL", "安装服务", "Install", "service", 12000, is_active=False),
    )
    before = store_counts(engine, *LINK_TABLES)
    bad = quote_input(
        scene,
        valid_until="2025-02-01",
        lines=[
            QuoteLineInput("FT-2900", quantity=1),
            QuoteLineInput("NO-SUCH", quantity=0, unit_price="-1", discount_rate="1.5"),
            QuoteLineInput("SVC-INSTALL", quantity="lots", discount_rate="0.12345"),
        ],
    )
    with pytest.raises(CommandError) as refused:
        create_quote(engine, org.rep, bad)
    assert refused.value.codes == {
        "valid_until": "date_before",
        "lines[1].product": "invalid_choice",
        "lines[1].quantity": "out_of_range",
        "lines[1].unit_price": "negative",
        "lines[1].discount_rate": "not_a_rate",
        "lines[2].product": "inactive",
        "lines[2].quantity": "not_an_integer",
        "lines[2].discount_rate": "not_a_rate",
    }
    for lines, code in (
        ([], "lines_required"),
        ([QuoteLineInput("FT-2900", 100_000)], "too_large"),
    ):
        with pytest.raises(CommandError) as refused:
            create_quote(engine, org.rep, quote_input(scene, lines=lines))
        assert refused.value.codes == {"lines": code}
    assert store_counts(engine, *LINK_TABLES) == before


def test_idempotent_quote_resubmit(engine, org, scene) -> None:
    first = create_quote(engine, org.rep, quote_input(scene), idempotency_key="quote-form-1")
    again = create_quote(engine, org.rep, quote_input(scene), idempotency_key="quote-form-1")
    assert first == again
    counts = store_counts(engine, Quote, QuoteLine)
    assert (counts["quotes"], counts["quote_lines"]) == (1, 2)


def test_quote_status_changes_leave_other_quotes_alone(engine, org, scene) -> None:
    first = create_quote(engine, org.rep, quote_input(scene))
    second = create_quote(engine, org.rep, quote_input(scene))
    set_quote_status(engine, org.rep, first, "sent")
    set_quote_status(engine, org.manager, first, "accepted")
    with pytest.raises(CommandError) as refused:
        set_quote_status(engine, org.rep, second, "won")
    assert refused.value.codes == {"status": "invalid_choice"}
    with pytest.raises(NotFound):
        set_quote_status(engine, org.rep, 999_999, "sent")
    with read_session(engine) as s:
        assert (s.get(Quote, first).status, s.get(Quote, second).status) == ("accepted", "draft")
        assert s.get(Quote, first).quote_no != s.get(Quote, second).quote_no
    trail = [a for a in audits(engine, "quotes") if a.action == "quote.set_status"]
    assert [(json.loads(a.before)["status"], a.actor_id) for a in trail] == [
        ("draft", org.rep),
        ("sent", org.manager),
    ]


# --- who may work a project's links ------------------------------------------------------


def _link_commands(engine: Engine, scene: Scene) -> dict[str, Callable[[int], object]]:
    return {
        "set_contact_role": lambda actor: set_contact_role(
            engine, actor, scene.project, scene.contact, "user"
        ),
        "add_competitor": lambda actor: add_competitor(
            engine, actor, scene.project, scene.competitor
        ),
        "add_partner": lambda actor: add_partner(engine, actor, scene.project, scene.partner),
        "create_quote": lambda actor: create_quote(engine, actor, quote_input(scene)),
    }


@pytest.mark.parametrize(
    "name", ["set_contact_role", "add_competitor", "add_partner", "create_quote"]
)
def test_permission_matrix(engine, org, scene, name) -> None:
    call = _link_commands(engine, scene)[name]
    for role, expected in PROJECT_WORK_MATRIX.items():
        before = store_counts(engine, *LINK_TABLES)
        assert refusal(lambda r=role: call(getattr(org, r))) == expected, role
        if expected:
            assert store_counts(engine, *LINK_TABLES) == before, role
    # a project member works it like the owner
    add_member(engine, scene.project, org.rep2)
    assert refusal(lambda: call(org.rep2)) is None


def test_removals_and_status_follow_the_same_matrix(engine, org, scene) -> None:
    set_contact_role(engine, org.rep, scene.project, scene.contact, "user")
    add_competitor(engine, org.rep, scene.project, scene.competitor)
    add_partner(engine, org.rep, scene.project, scene.partner)
    quote = create_quote(engine, org.rep, quote_input(scene))
    before = store_counts(engine, *LINK_TABLES)
    for role, expected in PROJECT_WORK_MATRIX.items():
        if expected is None:
            continue
        actor = getattr(org, role)
        for call in (
            lambda a=actor: remove_contact_role(engine, a, scene.project, scene.contact),
            lambda a=actor: remove_competitor(engine, a, scene.project, scene.competitor),
            lambda a=actor: remove_partner(engine, a, scene.project, scene.partner),
            lambda a=actor: set_quote_status(engine, a, quote, "sent"),
        ):
            assert refusal(call) == expected, role
    assert store_counts(engine, *LINK_TABLES) == before
