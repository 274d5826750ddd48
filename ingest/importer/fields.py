"""What each importable entity accepts: its fields and how a cell becomes a value.

The mapping file names these fields; the converter parses cells by their kind; the import
commands (entities.py) receive the parsed values, references already resolved to ids.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    TEXT = "text"
    CODE = "code"  # a reference-data code (industry, status, ...): value maps apply
    AMOUNT = "amount"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    LIST = "list"  # several codes in one cell, e.g. "power, water"
    STAGE = "stage"  # a stage code or name, resolved within the project's sales mode
    LINES = "lines"  # product lines, "FT-2900 x 2 @ 150000; SVC x 1"
    USER = "user"  # a reference to a user: username or display name (or source id)
    CUSTOMER = "customer"  # a customer by name (or source id)
    PROJECT = "project"  # a project by source id (or name)
    CONTACT = "contact"  # a contact by name, within the row's customer


REFERENCES = (Kind.USER, Kind.CUSTOMER, Kind.PROJECT, Kind.CONTACT)

# How a reference may be matched (`by:` in the mapping); the first is the default.
MATCH_BY: dict[Kind, tuple[str, ...]] = {
    Kind.USER: ("username_or_name", "username", "name", "source_id"),
    Kind.CUSTOMER: ("name", "source_id"),
    Kind.PROJECT: ("source_id", "name"),
    Kind.CONTACT: ("name",),
}

_TRACKED = {"created_at": Kind.DATETIME}

ENTITY_FIELDS: dict[str, dict[str, Kind]] = {
    "customers": {
        "name": Kind.TEXT,
        "customer_type": Kind.CODE,
        "industry": Kind.CODE,
        "region": Kind.CODE,
        "status": Kind.CODE,
        "owner": Kind.USER,
        "city": Kind.TEXT,
        "address": Kind.TEXT,
        "phone": Kind.TEXT,
        "notes": Kind.TEXT,
        **_TRACKED,
    },
    "contacts": {
        "customer": Kind.CUSTOMER,
        "name": Kind.TEXT,
        "title": Kind.TEXT,
        "phone": Kind.TEXT,
        "email": Kind.TEXT,
        "notes": Kind.TEXT,
        **_TRACKED,
    },
    "users": {
        "username": Kind.TEXT,
        "display_name": Kind.TEXT,
        "role": Kind.CODE,
        "password": Kind.TEXT,
        "department": Kind.CODE,
        "region": Kind.CODE,
        "manager": Kind.USER,
        "email": Kind.TEXT,
        "locale": Kind.CODE,
        "industries": Kind.LIST,
        "is_active": Kind.BOOL,
        **_TRACKED,
    },
    "products": {
        "code": Kind.TEXT,
        "name_zh": Kind.TEXT,
        "name_en": Kind.TEXT,
        "category": Kind.CODE,
        "list_price": Kind.AMOUNT,
        "is_active": Kind.BOOL,
        **_TRACKED,
    },
    "projects": {
        "name": Kind.TEXT,
        "customer": Kind.CUSTOMER,
        "owner": Kind.USER,
        "sales_mode": Kind.CODE,
        "stage": Kind.STAGE,
        "status": Kind.CODE,
        "industry": Kind.CODE,
        "expected_amount": Kind.AMOUNT,
        "expected_close_date": Kind.DATE,
        "close_date": Kind.DATE,
        "budget_amount": Kind.AMOUNT,
        "description": Kind.TEXT,
        "loss_reason": Kind.CODE,
        "loss_note": Kind.TEXT,
        "closed_date": Kind.DATE,
        "won_amount": Kind.AMOUNT,
        "signed_date": Kind.DATE,
        "contract_no": Kind.TEXT,
        "lines": Kind.LINES,
        **_TRACKED,
    },
    "stage_history": {
        "project": Kind.PROJECT,
        "stage": Kind.STAGE,
        "from_stage": Kind.STAGE,
        "changed_at": Kind.DATETIME,
        "changed_by": Kind.USER,
        "amount": Kind.AMOUNT,
        "expected_close_date": Kind.DATE,
        "note": Kind.TEXT,
    },
    "expenses": {
        "owner": Kind.USER,
        "project": Kind.PROJECT,
        "customer": Kind.CUSTOMER,
        "category": Kind.CODE,
        "amount": Kind.AMOUNT,
        "incurred_date": Kind.DATE,
        "description": Kind.TEXT,
        **_TRACKED,
    },
    "activities": {
        "activity_type": Kind.CODE,
        "subject": Kind.TEXT,
        "status": Kind.CODE,
        "planned_at": Kind.DATETIME,
        "done_at": Kind.DATETIME,
        "project": Kind.PROJECT,
        "customer": Kind.CUSTOMER,
        "contact": Kind.CONTACT,
        "owner": Kind.USER,
        "notes": Kind.TEXT,
        **_TRACKED,
    },
}

ENTITIES = tuple(ENTITY_FIELDS)

# What each field needs and what it takes when the row does not give it: (required,
# default), as docs/import.md shows them (`fields_markdown` writes that table; a test keeps
# the two in step). "" means optional without a default: left empty.
YES = "yes"
FIELD_RULES: dict[str, dict[str, tuple[str, str]]] = {
    "customers": {
        "name": (YES, ""),
        "customer_type": (YES, ""),
        "industry": (YES, ""),
        "region": (YES, ""),
        "status": ("", "`prospect`"),
        "owner": ("when the system imports", "the importing user"),
        "city": ("", ""),
        "address": ("", ""),
        "phone": ("", ""),
        "notes": ("", ""),
        "created_at": ("", "now"),
    },
    "contacts": {
        "customer": (YES, ""),
        "name": (YES, ""),
        "title": ("", ""),
        "phone": ("", ""),
        "email": ("", ""),
        "notes": ("", ""),
        "created_at": ("", "now"),
    },
    "users": {
        "username": (YES, ""),
        "display_name": ("", "the username"),
        "role": (YES, ""),
        "password": ("", "a random one"),
        "department": ("", "the manager's"),
        "region": ("", "the manager's"),
        "manager": ("", ""),
        "email": ("", ""),
        "locale": ("", "`zh_CN`"),
        "industries": ("", ""),
        "is_active": ("", "true"),
        "created_at": ("", "now"),
    },
    "products": {
        "code": (YES, ""),
        "name_zh": (YES, ""),
        "name_en": (YES, ""),
        "category": (YES, ""),
        "list_price": (YES, ""),
        "is_active": ("", "true"),
        "created_at": ("", "now"),
    },
    "projects": {
        "name": (YES, ""),
        "customer": (YES, ""),
        "owner": (YES, ""),
        "sales_mode": (YES, "the mapping's `sales_mode:` block"),
        "stage": ("", "the mode's first stage (won: the won stage)"),
        "status": ("", "`open`"),
        "industry": ("", "the customer's"),
        "expected_amount": ("open and won deals", "lost: 0"),
        "expected_close_date": ("open deals", "`close_date`; closed: the close date"),
        "close_date": ("", ""),
        "budget_amount": ("", ""),
        "description": ("", ""),
        "loss_reason": ("lost deals", ""),
        "loss_note": ("lost deals with reason `other`", ""),
        "closed_date": ("closed deals", "`close_date`"),
        "won_amount": ("", "the expected amount"),
        "signed_date": ("", "the closed date"),
        "contract_no": ("", "generated as in the app"),
        "lines": ("", ""),
        "created_at": ("", "the earliest of its dates, at most now"),
    },
    "stage_history": {
        "project": (YES, ""),
        "stage": (YES, ""),
        "from_stage": ("", "the stage before"),
        "changed_at": (YES, ""),
        "changed_by": ("", "the importing user"),
        "amount": ("", "the move before's"),
        "expected_close_date": ("", "the move before's"),
        "note": ("", ""),
    },
    "expenses": {
        "owner": ("", "the project's owner, else the customer's"),
        "project": ("this or `customer`", ""),
        "customer": ("this or `project`", "the project's"),
        "category": (YES, ""),
        "amount": (YES, ""),
        "incurred_date": (YES, ""),
        "description": ("", ""),
        "created_at": ("", "the incurred date"),
    },
    "activities": {
        "activity_type": (YES, ""),
        "subject": (YES, ""),
        "status": ("", "`done` when `done_at` is given, else `planned`"),
        "planned_at": ("planned activities", ""),
        "done_at": ("", "done: the planned time"),
        "project": ("this or `customer`", ""),
        "customer": ("this or `project`", "the project's"),
        "contact": ("", ""),
        "owner": ("", "the project's owner, else the customer's"),
        "notes": ("", ""),
        "created_at": ("", "the earliest of its times, at most now"),
    },
}


def fields_markdown() -> str:
    """The per-entity table of docs/import.md ("Required fields and defaults")."""
    out = []
    for entity, fields in ENTITY_FIELDS.items():
        out += [f"**{entity}**", "", "| field | kind | required | default |", "|---|---|---|---|"]
        for name, kind in fields.items():
            required, default = FIELD_RULES[entity][name]
            out.append(f"| `{name}` | {kind.value} | {required} | {default} |")
        out.append("")
    return "\n".join(out).rstrip("\n")


if __name__ == "__main__":  # python -m ingest.importer.fields > the table for docs/import.md
    print(fields_markdown())
