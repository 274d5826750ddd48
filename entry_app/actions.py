"""Two-step entries a form offers as one: link a competitor or partner that the rep types
in for the first time (docs/architecture.md §2.4: record it on the spot). Each step is a
command with its own idempotency key derived from the form's, so a resubmit repeats
neither."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, select

from ingest.commands.catalog import create_competitor, create_partner
from ingest.commands.project_links import add_competitor, add_partner
from ingest.store.db import read_session
from ingest.store.models import Competitor, Partner


def _existing(engine: Engine, model: Any, name: str) -> int | None:
    with read_session(engine) as session:
        return session.scalar(
            select(model.id).where(func.lower(model.name) == name.strip().lower()).limit(1)
        )


def link_competitor(
    engine: Engine,
    actor_id: int,
    project_id: int,
    competitor_id: int | None,
    new_name: str | None,
    *,
    threat_level: str,
    is_primary: bool,
    quoted_amount: Decimal | str | None,
    notes: str | None,
    idempotency_key: str,
) -> int:
    if new_name and new_name.strip():
        competitor_id = _existing(engine, Competitor, new_name) or create_competitor(
            engine, actor_id, new_name, idempotency_key=idempotency_key + ":new"
        )
    return add_competitor(
        engine,
        actor_id,
        project_id,
        competitor_id,
        threat_level=threat_level,
        is_primary=is_primary,
        quoted_amount=quoted_amount or None,
        notes=notes or None,
        idempotency_key=idempotency_key,
    )


def link_partner(
    engine: Engine,
    actor_id: int,
    project_id: int,
    partner_id: int | None,
    new_name: str | None,
    *,
    partner_role: str,
    notes: str | None,
    idempotency_key: str,
) -> int:
    if new_name and new_name.strip():
        partner_id = _existing(engine, Partner, new_name) or create_partner(
            engine, actor_id, new_name, partner_role, idempotency_key=idempotency_key + ":new"
        )
    return add_partner(
        engine,
        actor_id,
        project_id,
        partner_id,
        partner_role=partner_role,
        notes=notes or None,
        idempotency_key=idempotency_key,
    )
