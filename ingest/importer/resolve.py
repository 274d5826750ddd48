"""Natural keys to ids, one query per entity type for the whole run.

A file of 100k projects names a few hundred customers and reps thousands of times; asking
the database each time would dominate the import. Each lookup table is loaded once, when
first needed, and learns the rows the run itself creates (a users file whose managers are
earlier rows of the same file). Matching compares names in `norm` form (full-width,
case and spacing folded) and never guesses: no match or several matches is an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.commands.base import CommandError, Context, as_code, as_id
from ingest.importer.values import norm
from ingest.messages import Message
from ingest.store.models import Activity, Contact, Customer, Expense, Product, Project, User

R = TypeVar("R")

# The entities whose rows an import finds again by external id.
TABLES: dict[str, type] = {
    "users": User,
    "customers": Customer,
    "contacts": Contact,
    "products": Product,
    "projects": Project,
    "activities": Activity,
    "expenses": Expense,
}


HELD = (User, Product)


class ImportContext(Context):
    """The command context of an import: reference lookups by code are cached for the run.

    `get_by_code` keeps its contract (same errors for unknown and inactive codes); only
    found rows are cached, and held strongly so the session's identity map keeps them.
    `memo` lets import commands cache their own per-run lookups (stages of a mode).
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx.session, ctx.actor, ctx.source)
        self.memo: dict[Any, Any] = {}

    def get(self, model: type[R], row_id: int | None, field: str) -> R:
        # Owners and products are looked up by id on nearly every row; the session's
        # identity map holds rows only weakly, so keep these few alive for the run.
        if model not in HELD or as_id(row_id) is None:
            return super().get(model, row_id, field)
        key = (model, row_id)
        row = self.memo.get(key)
        if row is None:
            row = self.memo[key] = super().get(model, row_id, field)
        return row

    def get_by_code(self, model: type[R], code: str | None, field: str) -> R:
        if as_code(code) is None:
            return super().get_by_code(model, code, field)  # refused there; not a memo key
        key = (model, code)
        row = self.memo.get(key)
        if row is None:
            row = super().get_by_code(model, code, field)
            self.memo[key] = row
        elif not getattr(row, "is_active", True):
            raise CommandError.one(field, "inactive")
        return row


def memo(ctx: Context, key: Any, load: Callable[[], R]) -> R:
    """`load()` once per import run; every time outside an import (ctx without memo)."""
    cache = getattr(ctx, "memo", None)
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


class Unresolved(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        self.message = Message(code, params)
        super().__init__(code)


class _Index:
    """norm(key) → ids, for one kind of key."""

    def __init__(self, pairs: list[tuple[int, str | None]], fold: bool = True) -> None:
        self.fold = fold
        self.ids: dict[str, list[int]] = defaultdict(list)
        for row_id, key in pairs:
            self.add(key, row_id)

    def key(self, value: str) -> str:
        return norm(value) if self.fold else value

    def add(self, value: str | None, row_id: int) -> None:
        if value:
            ids = self.ids[self.key(value)]
            if row_id not in ids:
                ids.append(row_id)

    def find(self, value: str) -> list[int]:
        return self.ids.get(self.key(value), [])


class Resolver:
    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source
        self._indexes: dict[str, _Index] = {}
        self._lookups: dict[type, dict[str, str]] = {}
        self.project_customer: dict[int, int] = {}

    def external_id(self, source_id: str) -> str:
        return f"{self.source}:{source_id}"

    def _index(self, name: str) -> _Index:
        if name not in self._indexes:
            self._indexes[name] = self._load(name)
        return self._indexes[name]

    def _load(self, name: str) -> _Index:
        s = self.session
        if name == "users.username":
            return _Index(list(s.execute(select(User.id, User.username))))  # type: ignore[arg-type]
        if name == "users.name":
            return _Index(list(s.execute(select(User.id, User.display_name))))  # type: ignore[arg-type]
        if name == "customers.name":
            return _Index(list(s.execute(select(Customer.id, Customer.name))))  # type: ignore[arg-type]
        if name == "products.code":
            return _Index(list(s.execute(select(Product.id, Product.code))))  # type: ignore[arg-type]
        if name == "projects.name":
            rows = s.execute(select(Project.id, Project.name, Project.customer_id)).all()
            self.project_customer.update({row[0]: row[2] for row in rows})
            return _Index([(row[0], row[1]) for row in rows])
        if name == "contacts.name":
            rows = s.execute(select(Contact.id, Contact.customer_id, Contact.name))
            return _Index([(row[0], f"{row[1]}\x1f{row[2]}") for row in rows])
        model = TABLES[name.split(".")[0]]
        if model is Project:
            rows = s.execute(select(Project.id, Project.external_id, Project.customer_id)).all()
            self.project_customer.update({row[0]: row[2] for row in rows})
            return _Index([(row[0], row[1]) for row in rows], fold=False)
        query = select(model.id, model.external_id).where(model.external_id.is_not(None))  # type: ignore[attr-defined]
        return _Index(list(s.execute(query)), fold=False)  # type: ignore[arg-type]

    # --- lookups ------------------------------------------------------------------------

    def lookup_code(self, model: type, value: str) -> str | None:
        """The code of the reference row (industry, region, ...) whose code, Chinese or
        English name this is; None when none is, or when the name is not unique."""
        if model not in self._lookups:
            owners: dict[str, set[str]] = defaultdict(set)
            rows = self.session.execute(select(model.code, model.name_zh, model.name_en))  # type: ignore[attr-defined]
            for code, *names in rows:
                for key in (code, *names):
                    if key:
                        owners[norm(key)].add(code)
            self._lookups[model] = {k: next(iter(v)) for k, v in owners.items() if len(v) == 1}
        return self._lookups[model].get(norm(value))

    def existing(self, entity: str, external_id: str) -> int | None:
        """The id of the row an earlier import made from this source row."""
        if entity not in TABLES:
            return None  # history rows are found by the import command itself
        ids = self._index(f"{entity}.external_id").find(external_id)
        return ids[0] if ids else None

    def user(self, value: str, by: str | None) -> int:
        by = by or "username_or_name"
        if by == "source_id":
            return self._one(self._index("users.external_id"), self.external_id(value), value)
        if by in ("username", "username_or_name"):
            ids = self._index("users.username").find(value)
            if ids or by == "username":
                return self._one_of(ids, value)
        return self._one_of(self._index("users.name").find(value), value)

    def customer(self, value: str, by: str | None) -> int:
        if by == "source_id":
            return self._one(self._index("customers.external_id"), self.external_id(value), value)
        return self._one_of(self._index("customers.name").find(value), value)

    def project(self, value: str, by: str | None) -> int:
        if by == "name":
            return self._one_of(self._index("projects.name").find(value), value)
        return self._one(self._index("projects.external_id"), self.external_id(value), value)

    def customer_of_project(self, project_id: int) -> int | None:
        if project_id not in self.project_customer:
            self.project_customer[project_id] = self.session.scalar(
                select(Project.customer_id).where(Project.id == project_id)
            )
        return self.project_customer[project_id]

    def contact(self, customer_id: int, value: str) -> int:
        return self._one_of(self._index("contacts.name").find(f"{customer_id}\x1f{value}"), value)

    def product(self, code: str) -> int:
        return self._one_of(self._index("products.code").find(code), code)

    @staticmethod
    def _one(index: _Index, key: str, shown: str) -> int:
        return Resolver._one_of(index.find(key), shown)

    @staticmethod
    def _one_of(ids: list[int], shown: str) -> int:
        if not ids:
            raise Unresolved("unresolved_reference", value=shown[:60])
        if len(ids) > 1:
            raise Unresolved("ambiguous_reference", value=shown[:60], count=len(ids))
        return ids[0]

    # --- learning what the run creates ---------------------------------------------------

    def learn(self, entity: str, row_id: int, external_id: str, values: dict[str, Any]) -> None:
        """Index a row this run created, so later rows can refer to it."""
        if entity not in TABLES:
            return
        self._learn(f"{entity}.external_id", external_id, row_id)
        if entity == "users":
            self._learn("users.username", values.get("username"), row_id)
            self._learn("users.name", values.get("display_name"), row_id)
        elif entity == "customers":
            self._learn("customers.name", values.get("name"), row_id)
        elif entity == "products":
            self._learn("products.code", values.get("code"), row_id)
        elif entity == "projects":
            self._learn("projects.name", values.get("name"), row_id)
            if values.get("customer") is not None:
                self.project_customer[row_id] = values["customer"]
        elif entity == "contacts" and values.get("customer") is not None:
            self._learn("contacts.name", f"{values['customer']}\x1f{values.get('name')}", row_id)

    def _learn(self, index: str, key: str | None, row_id: int) -> None:
        # Only indexes already loaded need it: one loaded later reads the row from the store.
        if index in self._indexes and key:
            self._indexes[index].add(str(key).strip(), row_id)
