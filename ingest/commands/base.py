"""The machinery every domain command shares.

A command is a function `fn(ctx, ...)` decorated with `@command("entity.verb")`. Callers
invoke it as `fn(engine, actor_id, ..., idempotency_key=None, source="app")` and get back a
JSON-serialisable result. The decorator gives each command one write transaction, the
actor's identity and role, the audit log, idempotent replays and the mapping of database
conflicts to user-readable refusals. Any `CommandError` rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import numbers
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ingest.messages import Message
from ingest.store.db import get_engine, write_session
from ingest.store.models import SECRET_COLUMNS, AuditLog, IdempotencyKey, User, utcnow
from ingest.store.turns import StoreBusyError

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

GENERAL = "__all__"  # the "field" of errors that concern the whole form

ROLES = ("rep", "manager", "department_head", "executive", "finance", "data_steward", "admin")

# A project amount above 100 亿元 is a typing mistake, not a deal.
MAX_AMOUNT = Decimal("10000000000")
MAX_EXPENSE = Decimal("1000000")
# Ids are BIGINT on PostgreSQL; SQLite refuses larger Python ints with an OverflowError.
MAX_ID = 2**63 - 1


class CommandError(Exception):
    """A refusal with field-level messages; nothing was written."""

    def __init__(self, errors: dict[str, Message]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {m.text('en')}" for f, m in errors.items()))

    @classmethod
    def one(cls, field: str, code: str, **params: Any) -> CommandError:
        return cls({field: Message(code, params)})

    def texts(self, locale: str = "zh_CN") -> dict[str, str]:
        return {f: m.text(locale) for f, m in self.errors.items()}

    @property
    def codes(self) -> dict[str, str]:
        return {f: m.code for f, m in self.errors.items()}


class Forbidden(CommandError):
    pass


class NotFound(CommandError):
    pass


class Conflict(CommandError):
    pass


class StoreUnavailable(CommandError):
    """The connection to the store broke (a PostgreSQL restart): the transaction was
    rolled back by the server, so the same command can simply be sent again."""


class StoreBusy(CommandError):
    """SQLite's write lock stayed taken for the whole busy timeout (a long write by another
    process): nothing was written, so the same command can simply be sent again."""


def store_busy(error: OperationalError) -> bool:
    return isinstance(error.orig, sqlite3.Error) and getattr(
        error.orig, "sqlite_errorcode", None
    ) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def store_went_away(error: OperationalError) -> bool:
    """A lost or refused connection, not a mistake in the command: on PostgreSQL every
    OperationalError is one (connection failures, administrator shutdown, server
    starting up); on SQLite only a connection SQLAlchemy found dead."""
    return error.connection_invalidated or not isinstance(error.orig, sqlite3.Error)


@dataclass(frozen=True)
class Actor:
    """Who runs a command. `id=None` is the system (CLI, init, seeding): every right."""

    id: int | None
    role: str
    department_id: int | None = None
    manager_id: int | None = None
    username: str = "system"

    @property
    def is_system(self) -> bool:
        return self.id is None

    @classmethod
    def of(cls, user: User) -> Actor:
        """The actor a stored user acts as (the sign-in, `crm … --as`, a command's caller)."""
        return cls(
            id=user.id,
            role=user.role,
            department_id=user.department_id,
            manager_id=user.manager_id,
            username=user.username,
        )


SYSTEM = Actor(id=None, role="admin")


# --- validation ---------------------------------------------------------------------------

_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\ufe0f\u200d\U000e0020-\U000e007f]"
)
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:|\bon\w+\s*=", re.IGNORECASE)
_SQL = re.compile(
    r"(;|')\s*(drop|delete|insert|update|alter|truncate|exec|select|union|create)\b"
    r"|\bunion\s+(all\s+)?select\b|\bor\s+'?1'?\s*=\s*'?1\b|/\*|\*/|\bxp_cmdshell\b"
    r"|\b(drop|truncate)\s+table\b",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters that change how text is shown or compared, never typed on purpose
# in this product's Chinese and English text. Direction controls reorder what is displayed
# ("合同\u202efdp.exe" shows as "合同exe.pdf"); zero-width characters make two names that
# look the same ("Siemens", "Sie\u200bmens") different to the duplicate checks.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b\u200c\u2060-\u2064\ufeff]")
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")


def _decimal(text: str) -> Decimal:
    """A number as typed, thousands separators allowed ("1,234.50")."""
    return Decimal(text.replace(",", ""))


class ErrorCollector:
    """Collects errors by place (a form's field, a setting in a file) so that the user
    learns about every mistake at once; `done` raises them together as `error_class`."""

    error_class: ClassVar[type[CommandError]] = CommandError

    def __init__(self) -> None:
        self.errors: dict[str, Message] = {}

    def fail(self, field: str, code: str, **params: Any) -> None:
        self.errors.setdefault(field, Message(code, params))

    def done(self) -> None:
        if self.errors:
            raise self.error_class(self.errors)


class Checks(ErrorCollector):
    """Collects field errors so that a form learns about every bad field at once."""

    def text(
        self,
        field: str,
        value: str | None,
        *,
        required: bool = True,
        max_len: int = 200,
        multiline: bool = False,
    ) -> str | None:
        """The stripped text, or None when it is empty or refused (a refused value must
        not reach a query either: PostgreSQL rejects NUL characters even in a WHERE).

        Refused: control characters, direction controls, emoji, HTML/script and SQL
        fragments; in a one-line field (a name, a code, a title) also line breaks, tabs
        and zero-width characters, which notes pasted from elsewhere may well carry.
        Markdown, a leading '=', '+', '-' or '@' and other punctuation are text like any
        other: stored as typed, and made inert where it is shown or exported."""
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                self.fail(field, "required" if not value else "blank")
            return None
        if not isinstance(value, str):
            # str() of a list or a number would be stored as something nobody typed.
            self.fail(field, "expected_text")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.fail(field, "too_long", max=max_len)
        elif _CONTROL.search(value):
            self.fail(field, "control_chars")
        elif _BIDI.search(value):
            self.fail(field, "bidi_control")
        elif not multiline and _LINE_BREAK.search(value):
            self.fail(field, "line_break")
        elif not multiline and _INVISIBLE.search(value):
            self.fail(field, "invisible_chars")
        elif _EMOJI.search(value):
            self.fail(field, "emoji")
        elif _MARKUP.search(value):
            self.fail(field, "markup")
        elif _SQL.search(value):
            self.fail(field, "sql")
        else:
            return value
        return None

    def email(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, required=False, max_len=200)
        if value and not _EMAIL.match(value):
            self.fail(field, "invalid_email")
        return value

    def phone(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, required=False, max_len=30)
        if value and not _PHONE.match(value):
            self.fail(field, "invalid_phone")
        return value

    def parsed(
        self,
        field: str,
        value: object,
        parse: Callable[[str], T],
        error: str,
        *,
        required: bool = True,
    ) -> T | None:
        """The value's stripped text read by `parse` (`int`, `Decimal`), or None: when it
        is empty (an error if required) or when `parse` refuses it (the error `error`)."""
        if value is None or value == "":
            if required:
                self.fail(field, "required")
            return None
        try:
            return parse(str(value).strip())
        except (ValueError, InvalidOperation):
            self.fail(field, error)
            return None

    def amount(
        self,
        field: str,
        value: Decimal | float | int | str | None,
        *,
        required: bool = True,
        allow_zero: bool = False,
        maximum: Decimal = MAX_AMOUNT,
    ) -> Decimal | None:
        amount = self.parsed(field, value, _decimal, "not_a_number", required=required)
        if amount is None:
            return None
        if not amount.is_finite():
            self.fail(field, "not_a_number")
        elif amount < 0:
            self.fail(field, "negative")
        elif amount == 0 and not allow_zero:
            self.fail(field, "not_positive")
        elif amount > maximum:
            self.fail(field, "too_large", max=f"{maximum:,}")
        elif amount != amount.quantize(Decimal("0.01")):
            self.fail(field, "too_many_decimals")
        else:
            return amount.quantize(Decimal("0.01"))
        return None

    def integer(
        self, field: str, value: int | str | None, *, minimum: int, maximum: int
    ) -> int | None:
        number = self.parsed(field, value, int, "not_an_integer")
        if number is None:
            return None
        if not minimum <= number <= maximum:
            self.fail(field, "out_of_range", min=minimum, max=maximum)
            return None
        return number

    def date(
        self,
        field: str,
        value: dt.date | str | None,
        *,
        required: bool = True,
        not_future: bool = False,
        not_before: dt.date | None = None,
    ) -> dt.date | None:
        if isinstance(value, dt.datetime):
            value = value.date()
        if value is None or isinstance(value, str):
            value = self.parsed(
                field, value, dt.date.fromisoformat, "not_a_date", required=required
            )
            if value is None:
                return None
        if not isinstance(value, dt.date):
            self.fail(field, "not_a_date")
            return None
        if not_future and value > today():
            self.fail(field, "future_date")
        elif not_before and value < not_before:
            self.fail(field, "date_before", min=not_before.isoformat())
        elif not dt.date(1990, 1, 1) <= value <= dt.date(2100, 12, 31):
            self.fail(field, "not_a_date")
        return value

    def flag(self, field: str, value: bool) -> bool:
        """A yes/no: only a real bool, since bool("false") is True."""
        if not isinstance(value, bool):
            self.fail(field, "invalid_choice", value=str(value)[:40])
            return False
        return value

    def choice(self, field: str, value: str | None, allowed: tuple[str, ...] | list[str]) -> str:
        if value is None or value == "":
            self.fail(field, "required")
        elif value not in allowed:
            self.fail(field, "invalid_choice", value=str(value)[:40])
        return value  # type: ignore[return-value]


def left_out(value: object) -> bool:
    """An optional field the form did not fill. Only None or "": an empty list or False
    is a value of the wrong type, to refuse rather than read as "not given"."""
    return value is None or (isinstance(value, str) and value == "")


def external_key(value: object) -> str | None:
    """The import's key of a new row (`external_id`): text that fits its column, checked
    like any text (an app form leaves it None)."""
    checks = Checks()
    key = checks.text("external_id", value, required=False, max_len=100)
    checks.done()
    return key


def today() -> dt.date:
    return utcnow().date()


def as_id(value: object) -> int | None:
    """A row id as callers send it (an int, or a numpy integer from a data frame), or None
    when the value cannot name a row: a bool, a string, a float, an id out of range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def as_code(value: object) -> str | None:
    """A code or name to look up, or None when no row can have it (not text, or holding
    control characters: PostgreSQL refuses a NUL even in a WHERE clause)."""
    if not isinstance(value, str) or _CONTROL.search(value):
        return None
    return value


# --- the command context -----------------------------------------------------------------


@dataclass
class Context:
    session: Session
    actor: Actor
    source: str

    def get(self, model: type[R], row_id: int | None, field: str) -> R:
        """Load a row by id or refuse with `not_found` on the field that named it."""
        if row_id is None:
            raise NotFound.one(field, "required")
        key = as_id(row_id)
        row = self.session.get(model, key) if key is not None else None
        if row is None:
            raise NotFound.one(field, "not_found")
        return row

    def get_by_code(self, model: type[R], code: str | None, field: str) -> R:
        if code is None or code == "":
            raise CommandError.one(field, "required")
        key = as_code(code)
        row = self.session.scalar(select(model).where(model.code == key)) if key else None  # type: ignore[attr-defined]
        if row is None:
            raise NotFound.one(field, "invalid_choice", value=str(code)[:40])
        if not getattr(row, "is_active", True):
            raise CommandError.one(field, "inactive")
        return row

    def require_role(self, *roles: str) -> None:
        if not self.actor.is_system and self.actor.role not in roles:
            raise Forbidden.one(GENERAL, "forbidden")

    def add(self, obj: Any) -> Any:
        self.session.add(obj)
        self.session.flush()
        return obj

    def audit(self, action: str, obj: Any, before: dict[str, Any] | None = None) -> None:
        self.session.flush()
        self._log(action, obj.__tablename__, obj.id, before, snapshot(obj))

    def update(self, action: str, obj: Any, values: dict[str, Any]) -> None:
        """Set the given columns and audit the change against the row as it was."""
        before = snapshot(obj)
        for name, value in values.items():
            setattr(obj, name, value)
        self.audit(action, obj, before)

    def delete(self, action: str, obj: Any) -> None:
        """Delete a row with an audit entry of its last values. Through the session, so
        that db.py leaves the deleted_rows tombstone the warehouse needs."""
        before = snapshot(obj)
        self.session.delete(obj)
        self.session.flush()
        self._log(action, obj.__tablename__, before["id"], before, None)

    def _log(
        self,
        action: str,
        entity: str,
        entity_id: int,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """One audit entry, in this transaction and with its change number."""
        self.session.add(
            AuditLog(
                actor_id=self.actor.id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=dump_json(before) if before is not None else None,
                after=dump_json(after) if after is not None else None,
                source=self.source,
                change_seq=self.session.info["change_seq"],
            )
        )


def snapshot(obj: Any) -> dict[str, Any]:
    """The row's column values, for the audit log's before/after; secrets left out."""
    return {
        attr.key: getattr(obj, attr.key)
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in SECRET_COLUMNS
    }


def dump_json(values: dict[str, Any]) -> str:
    """Column values as the audit log and the imports ledger store them (sorted keys;
    decimals and dates as text)."""
    return json.dumps(values, default=_json_default, ensure_ascii=False, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def load_actor(session: Session, actor_id: int | None) -> Actor:
    if actor_id is None:
        return SYSTEM
    user = session.get(User, actor_id)
    if user is None:
        raise Forbidden.one(GENERAL, "forbidden")
    if not user.is_active:
        raise Forbidden.one(GENERAL, "account_disabled")
    return Actor.of(user)


def command(name: str) -> Callable[[Callable[Concatenate[Context, P], R]], Callable[..., R]]:
    """Turn `fn(ctx, *args)` into the public `fn(engine, actor_id, *args, ...)`."""

    def decorate(fn: Callable[Concatenate[Context, P], R]) -> Callable[..., R]:
        @functools.wraps(fn)
        def run(
            engine: Engine | None,
            actor_id: int | None,
            *args: P.args,
            idempotency_key: str | None = None,
            source: str = "app",
            **kwargs: P.kwargs,
        ) -> R:
            if idempotency_key not in (None, "") and not _valid_key(idempotency_key):
                raise CommandError.one(GENERAL, "malformed")
            try:
                with write_session(engine or get_engine(), actor_id) as session:
                    if idempotency_key:
                        done = session.get(IdempotencyKey, idempotency_key)
                        if done is not None:
                            if done.command != name or done.actor_id != actor_id:
                                raise Conflict.one(GENERAL, "duplicate")
                            return json.loads(done.result)
                    ctx = Context(session, load_actor(session, actor_id), source)
                    result = fn(ctx, *args, **kwargs)
                    session.flush()
                    if idempotency_key:
                        session.add(
                            IdempotencyKey(
                                key=idempotency_key,
                                actor_id=actor_id,
                                command=name,
                                result=_dump_result(result),
                            )
                        )
                    return result
            except StaleDataError as error:
                raise Conflict.one(GENERAL, "stale") from error
            except IntegrityError as error:
                detail = str(error.orig).splitlines()[0][:120]
                raise Conflict.one(GENERAL, "conflict", detail=detail) from error
            except StoreBusyError as error:
                raise StoreBusy.one(GENERAL, "store_busy") from error
            except OperationalError as error:
                if store_busy(error):
                    raise StoreBusy.one(GENERAL, "store_busy") from error
                if not store_went_away(error):
                    raise
                raise StoreUnavailable.one(GENERAL, "store_unavailable") from error

        run.command_name = name  # type: ignore[attr-defined]
        run.body = fn  # type: ignore[attr-defined]
        return run

    return decorate


def form_list(
    checks: Checks, field: str, value: object, form: type[R], item_field: str
) -> list[tuple[int, R]]:
    """The (index, item) pairs of a list of sub-forms (quote lines, stages); a value that
    is not a list, or an item that is not the form, is refused instead of crashing."""
    if value is None or (isinstance(value, list | tuple) and not value):
        return []
    if not isinstance(value, list | tuple):
        checks.fail(field, "malformed")
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, form):
            items.append((index, item))
        else:
            checks.fail(item_field.format(index), "malformed")
    return items


def _valid_key(key: object) -> bool:
    """A submission token as the apps make them; anything else would fail in the query."""
    return isinstance(key, str) and 0 < len(key) <= 100 and as_code(key) is not None


class Batch:
    """Many commands in one transaction (imports): each runs in a savepoint, so a refused
    row is undone alone and the caller decides whether the whole batch commits."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def run(self, cmd: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        try:
            with self.ctx.session.begin_nested():
                return cmd.body(self.ctx, *args, **kwargs)  # type: ignore[attr-defined]
        except StaleDataError as error:
            raise Conflict.one(GENERAL, "stale") from error
        except IntegrityError as error:
            detail = str(error.orig).splitlines()[0][:120]
            raise Conflict.one(GENERAL, "conflict", detail=detail) from error


class _Discard(Exception):
    pass


@contextmanager
def batch(
    engine: Engine | None, actor_id: int | None, source: str, *, commit: bool = True
) -> Iterator[Batch]:
    """Run commands through `Batch.run`; with commit=False (a dry run) nothing is kept.
    Raising out of the block rolls everything back too."""
    try:
        with write_session(engine or get_engine(), actor_id) as session:
            yield Batch(Context(session, load_actor(session, actor_id), source))
            if not commit:
                raise _Discard
    except _Discard:
        pass


def _dump_result(result: Any) -> str:
    return json.dumps(result, default=_json_default, ensure_ascii=False)


def check_version(obj: Any, expected: int | None) -> None:
    """Optimistic concurrency: refuse an edit made on a copy someone else has since changed."""
    if expected is None:
        return
    # True == 1: a bool or a string never matches a version, whatever the row's.
    if isinstance(expected, bool) or not isinstance(expected, numbers.Integral):
        raise Conflict.one(GENERAL, "stale")
    if obj.version != expected:
        raise Conflict.one(GENERAL, "stale")
