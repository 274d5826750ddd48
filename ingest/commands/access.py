"""Who may see and change what (docs/architecture.md §2.3).

- department heads, executives and admins see every customer and project; finance sees
  them too (read only) because it approves their costs; data stewards see every customer;
- a manager sees what their team (themselves and everyone reporting to them, at any depth)
  owns or is assigned to;
- a rep sees what they own or are a member of.

Seeing is not changing: working a project (stages, quotes, activities, ...) is for its owner,
its members, the owner's managers and admins. The same rules, as SQL filters, serve the
entry app's lists (`visible_projects`, `visible_customers`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from ingest.commands.base import GENERAL, Actor, Forbidden
from ingest.store.models import Customer, Department, Project, ProjectMember, User

SEE_ALL_PROJECTS = frozenset({"department_head", "executive", "admin", "finance"})
SEE_ALL_CUSTOMERS = SEE_ALL_PROJECTS | {"data_steward"}
ASSIGNERS = frozenset({"manager", "department_head", "executive", "admin"})


def team_ids(session: Session, actor: Actor) -> set[int]:
    """The actor and everyone below them in the reporting tree."""
    if actor.id is None:
        return set()
    pairs = session.execute(select(User.id, User.manager_id)).all()
    reports: dict[int, list[int]] = {}
    for user_id, manager_id in pairs:
        if manager_id is not None:
            reports.setdefault(manager_id, []).append(user_id)
    team, todo = {actor.id}, [actor.id]
    while todo:
        for report in reports.get(todo.pop(), []):
            if report not in team:
                team.add(report)
                todo.append(report)
    return team


def department_ids(session: Session, department_id: int | None) -> set[int]:
    """A department and all of its sub-departments."""
    if department_id is None:
        return set()
    pairs = session.execute(select(Department.id, Department.parent_id)).all()
    found, todo = {department_id}, [department_id]
    while todo:
        parent = todo.pop()
        for child, child_parent in pairs:
            if child_parent == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _member_of(session: Session, user_ids: set[int], project_id: int) -> bool:
    return (
        session.scalar(
            select(ProjectMember.id).where(
                ProjectMember.project_id == project_id, ProjectMember.user_id.in_(user_ids)
            )
        )
        is not None
    )


def can_see_project(session: Session, actor: Actor, project: Project) -> bool:
    if actor.is_system or actor.role in SEE_ALL_PROJECTS:
        return True
    people = team_ids(session, actor) if actor.role == "manager" else {actor.id}
    return project.owner_id in people or _member_of(session, people, project.id)  # type: ignore[arg-type]


def can_work_project(session: Session, actor: Actor, project: Project) -> bool:
    if actor.is_system or actor.role == "admin":
        return True
    if actor.role in ("finance", "data_steward", "executive", "department_head"):
        return project.owner_id == actor.id or _member_of(session, {actor.id}, project.id)  # type: ignore[arg-type]
    return can_see_project(session, actor, project)


def can_see_customer(session: Session, actor: Actor, customer: Customer) -> bool:
    if actor.is_system or actor.role in SEE_ALL_CUSTOMERS:
        return True
    people = team_ids(session, actor) if actor.role == "manager" else {actor.id}
    if customer.owner_id in people:
        return True
    on_project = select(Project.id).where(Project.customer_id == customer.id)
    owned = on_project.where(Project.owner_id.in_(people))
    member = on_project.join(ProjectMember, ProjectMember.project_id == Project.id).where(
        ProjectMember.user_id.in_(people)
    )
    return session.scalar(owned.limit(1)) is not None or session.scalar(member.limit(1)) is not None


def can_edit_customer(session: Session, actor: Actor, customer: Customer) -> bool:
    if actor.is_system or actor.role in ("admin", "data_steward"):
        return True
    if actor.role in ("finance", "executive"):
        return False
    if actor.role == "department_head":
        return True
    people = team_ids(session, actor) if actor.role == "manager" else {actor.id}
    return customer.owner_id in people


def require(allowed: bool, *, visible: bool = True) -> None:
    """Refuse with 'not visible' when the actor may not even see the record."""
    if not allowed:
        raise Forbidden.one(GENERAL, "forbidden" if visible else "not_visible")


def require_project(session: Session, actor: Actor, project: Project, *, work: bool = True) -> None:
    visible = can_see_project(session, actor, project)
    require(visible, visible=False)
    if work:
        require(can_work_project(session, actor, project))


def require_customer(
    session: Session, actor: Actor, customer: Customer, *, edit: bool = False
) -> None:
    require(can_see_customer(session, actor, customer), visible=False)
    if edit:
        require(can_edit_customer(session, actor, customer))


def may_assign_to(session: Session, actor: Actor, project: Project, new_owner: User) -> bool:
    """Managers assign within their team, department heads within their department."""
    if actor.is_system or actor.role in ("admin", "executive"):
        return True
    if actor.role == "manager":
        team = team_ids(session, actor)
        return project.owner_id in team and new_owner.id in team
    if actor.role == "department_head":
        departments = department_ids(session, actor.department_id)
        return new_owner.department_id in departments and (
            project.department_id in departments or project.department_id is None
        )
    return False


# --- list filters for the apps ------------------------------------------------------------


def visible_projects(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.is_system or actor.role in SEE_ALL_PROJECTS:
        return true()
    people = team_ids(session, actor) if actor.role == "manager" else {actor.id}
    if not people:
        return false()
    member = select(ProjectMember.project_id).where(ProjectMember.user_id.in_(people))
    return or_(Project.owner_id.in_(people), Project.id.in_(member))


def visible_customers(session: Session, actor: Actor) -> ColumnElement[bool]:
    if actor.is_system or actor.role in SEE_ALL_CUSTOMERS:
        return true()
    people = team_ids(session, actor) if actor.role == "manager" else {actor.id}
    projects = select(Project.customer_id).where(visible_projects(session, actor))
    return or_(Customer.owner_id.in_(people), Customer.id.in_(projects))
