"""Which pages each role sees, in which section. Pure data, so tests can walk it."""

from __future__ import annotations

from dataclasses import dataclass

SELLERS = ("rep", "manager", "department_head", "executive", "admin")
DECIDERS = ("manager", "department_head", "executive", "admin")


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to entry_app/
    title: str  # i18n key
    icon: str
    section: str  # i18n key
    roles: tuple[str, ...]


PAGES = [
    PageSpec("views/home.py", "page.home", ":material/home:", "nav.section.work", ()),
    PageSpec("views/leads.py", "page.leads", ":material/call:", "nav.section.work", SELLERS),
    PageSpec(
        "views/customers.py",
        "page.customers",
        ":material/apartment:",
        "nav.section.work",
        (*SELLERS, "data_steward"),
    ),
    PageSpec(
        "views/projects.py",
        "page.projects",
        ":material/work:",
        "nav.section.work",
        (*SELLERS, "finance"),
    ),
    PageSpec(
        "views/project.py",
        "page.project",
        ":material/dashboard:",
        "nav.section.work",
        (*SELLERS, "finance"),
    ),
    PageSpec(
        "views/activities.py", "page.activities", ":material/event:", "nav.section.work", SELLERS
    ),
    PageSpec(
        "views/expenses.py", "page.expenses", ":material/payments:", "nav.section.work", SELLERS
    ),
    PageSpec(
        "views/reports.py", "page.reports", ":material/receipt_long:", "nav.section.work", SELLERS
    ),
    PageSpec(
        "views/qualify.py", "page.qualify", ":material/fact_check:", "nav.section.manage", DECIDERS
    ),
    PageSpec(
        "views/approvals.py",
        "page.approvals",
        ":material/approval:",
        "nav.section.manage",
        (*DECIDERS, "finance"),
    ),
    PageSpec("views/targets.py", "page.targets", ":material/flag:", "nav.section.manage", DECIDERS),
    PageSpec(
        "views/steward.py",
        "page.steward",
        ":material/verified:",
        "nav.section.data",
        ("data_steward", "admin"),
    ),
    PageSpec(
        "views/import_data.py",
        "page.import",
        ":material/upload_file:",
        "nav.section.data",
        ("data_steward", "admin"),
    ),
    PageSpec(
        "views/admin_users.py",
        "page.admin_users",
        ":material/group:",
        "nav.section.admin",
        ("admin",),
    ),
    PageSpec(
        "views/admin_reference.py",
        "page.admin_reference",
        ":material/tune:",
        "nav.section.admin",
        ("admin",),
    ),
    PageSpec("views/account.py", "page.account", ":material/person:", "nav.section.work", ()),
]


def pages_for(role: str) -> list[PageSpec]:
    """The pages of a role; an empty `roles` means every role."""
    return [page for page in PAGES if not page.roles or role in page.roles]
