"""What every part of the project workspace draws from: the project as the page read it,
the signed-in actor, and the options its forms offer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from entry_app.queries import projects, reference
from ingest.commands.base import Actor
from ingest.store.models import Competitor, Partner


@dataclass(frozen=True)
class Workspace:
    actor: Actor
    project: dict[str, Any]
    competitor_options: list[tuple[int, str]]
    partner_options: list[tuple[int, str]]
    products: list[tuple[str, str, Any]]
    reasons: list[tuple[str, str]]
    contact_options: list[tuple[int, str]]
    people: list[tuple[int, str]]

    @property
    def project_id(self) -> int:
        return int(self.project["id"])

    @property
    def is_open(self) -> bool:
        return self.project["status"] == "open"

    @property
    def can_work(self) -> bool:
        """May change the project: one of its people, and the project still open."""
        return bool(self.project["can_work"]) and self.is_open

    @property
    def version(self) -> int:
        return int(self.project["version"])

    @property
    def stage_index(self) -> int:
        """Where the project's stage stands among its sales mode's stages."""
        stages = self.project["stages"]
        return next((i for i, s in enumerate(stages) if s["id"] == self.project["stage_id"]), 0)


def open_workspace(session: Session, actor: Actor, project_id: int, lang: str) -> Workspace:
    """The project as the actor may see it (NotFound otherwise) and the options its forms
    offer, read in one session."""
    project = projects.project(session, actor, project_id, lang)
    return Workspace(
        actor=actor,
        project=project,
        competitor_options=reference.named_options(session, Competitor),
        partner_options=reference.named_options(session, Partner),
        products=reference.product_options(session, lang),
        reasons=reference.options(session, "loss_reason", lang),
        contact_options=reference.contact_options(session, project["customer_id"]),
        people=reference.user_options(session),
    )
