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
