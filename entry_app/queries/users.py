"""Administration of users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from entry_app.queries.common import ListRequest, Page, filtered_page, localized_name
from ingest.store.models import (
    Department,
    User,
)


def users(session: Session, lang: str, asked: ListRequest = ListRequest()) -> Page:
    manager = aliased(User)
    query = (
        select(
            User.id,
            User.username,
            User.display_name,
            User.role,
            localized_name(Department, lang).label("department"),
            manager.display_name.label("manager"),
            User.locale,
            User.is_active,
            User.must_change_password,
        )
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(manager, manager.id == User.manager_id)
        .order_by(User.id.desc())
    )
    return filtered_page(session, query, asked, search_in=[User.username, User.display_name])
