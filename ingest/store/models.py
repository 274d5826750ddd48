"""The whole entity set of docs/architecture.md §2.1 as SQLAlchemy 2.0 models.

Every table carries the same bookkeeping (`Tracked`): a stable integer id, created/updated
timestamps and authors, and `change_seq`, the store-wide change sequence of the transaction
that last wrote the row. Extraction reads rows whose change_seq is above its watermark and
learns of deletes from `deleted_rows`. Author columns hold user ids without a foreign key so
that bulk loads and imports never depend on insertion order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL ids may outgrow int4.
Id = BigInteger().with_variant(Integer, "sqlite")
Money = Numeric(18, 2)
Probability = Numeric(5, 4)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


def _partial_unique(name: str, columns: list[str], where: str) -> Index:
    condition = text(where)
    return Index(name, *columns, unique=True, sqlite_where=condition, postgresql_where=condition)


class Tracked:
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    created_by: Mapped[int | None] = mapped_column(Id)
    updated_by: Mapped[int | None] = mapped_column(Id)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


class Lookup(Tracked):
    """Reference data an admin may change: a stable code and names in both languages."""

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


# --- bookkeeping -------------------------------------------------------------------------


class ChangeCounter(Base):
    """One row; writers increment it first, which serialises write transactions so that
    change_seq order is commit order (the extraction watermark relies on it)."""

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class DeletedRow(Base):
    __tablename__ = "deleted_rows"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    deleted_by: Mapped[int | None] = mapped_column(Id)
    change_seq: Mapped[int] = mapped_column(BigInteger, index=True)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Id, index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300), default="app")
    # The write's change number; None for events that change no data (sign-ins).
    change_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Id)
    command: Mapped[str] = mapped_column(String(60))
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept, so
    reading this table does not sign anyone in. A session ends on sign-out, idle timeout,
    or when the user's role or password differs from those it was opened with."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_digest: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))


class SignInAttempt(Base):
    """Recent sign-in attempts, the memory of the sign-in throttle (the audit log keeps
    the lasting record)."""

    __tablename__ = "sign_in_attempts"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    address: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Id)
    succeeded: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_sign_in_attempts_address", "address", "at"),
        Index("ix_sign_in_attempts_user", "user_id", "at"),
    )


class ImportRun(Base):
    """One `crm import` of one file, committed in chunks (docs/import.md): what resuming
    and undoing it need. Bookkeeping, not mirrored: no change number of its own."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(300))
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the file
    entity: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(Id)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    chunk_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # running | done | failed | undone
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    rows_committed: Mapped[int] = mapped_column(Integer, default=0)
    last_row: Mapped[int] = mapped_column(Integer, default=0)  # file row number, 0: none yet
    last_chunk: Mapped[int] = mapped_column(Integer, default=0)
    # Which process runs it, so that a second run of the same file does not resume an
    # import that is still alive.
    host: Mapped[str] = mapped_column(String(100), default="")
    pid: Mapped[int | None] = mapped_column(Integer)


class ImportChunk(Base):
    """One committed chunk of an import: its rows and the change number it wrote under."""

    __tablename__ = "import_chunks"
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), primary_key=True)
    chunk: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_row: Mapped[int] = mapped_column(Integer)
    last_row: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    # The chunk's change number (not named change_seq: this table is not mirrored).
    committed_seq: Mapped[int] = mapped_column(BigInteger)
    committed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ImportChange(Base):
    """A row an import created, changed or deleted, with its values before (JSON) for
    `crm import --undo`, which replays these backwards."""

    __tablename__ = "import_changes"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    chunk: Mapped[int] = mapped_column(Integer)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(10))  # created | updated | deleted
    before: Mapped[str | None] = mapped_column(Text)


# --- organisation and reference data -----------------------------------------------------


class Department(Lookup, Base):
    __tablename__ = "departments"
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))


class Region(Lookup, Base):
    __tablename__ = "regions"


class Industry(Lookup, Base):
    __tablename__ = "industries"


class CustomerType(Lookup, Base):
    __tablename__ = "customer_types"


class LeadSource(Lookup, Base):
    __tablename__ = "lead_sources"


class LossReason(Lookup, Base):
    __tablename__ = "loss_reasons"
    category: Mapped[str] = mapped_column(String(30))


class SalesMode(Lookup, Base):
    __tablename__ = "sales_modes"


class Stage(Tracked, Base):
    __tablename__ = "stages"
    sales_mode_id: Mapped[int] = mapped_column(ForeignKey("sales_modes.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    stage_order: Mapped[int] = mapped_column(Integer)
    default_probability: Mapped[Decimal] = mapped_column(Probability)
    forecast_category: Mapped[str] = mapped_column(String(20))
    # The final stage of a mode ("contract signed") is reached only by closing won.
    is_won_stage: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("sales_mode_id", "code"),
        CheckConstraint("default_probability >= 0 and default_probability <= 1"),
        _partial_unique("uq_stages_one_won_stage", ["sales_mode_id"], "is_won_stage AND is_active"),
    )


# Columns whose values are secrets: never written to the audit log, logs or exports.
SECRET_COLUMNS = frozenset({"password_hash"})


class User(Tracked, Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    password_hash: Mapped[str] = mapped_column(String(200))
    # A demo or admin-set password: the user must choose their own at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class UserIndustry(Tracked, Base):
    """Industries a rep covers; used to suggest the owner when a lead is qualified."""

    __tablename__ = "user_industries"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"))
    __table_args__ = (UniqueConstraint("user_id", "industry_id"),)


# --- customers, contacts, leads ----------------------------------------------------------


class Customer(Tracked, Base):
    __tablename__ = "customers"
    name: Mapped[str] = mapped_column(String(200), index=True)
    customer_type_id: Mapped[int] = mapped_column(ForeignKey("customer_types.id"))
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    status: Mapped[str] = mapped_column(String(20), default="prospect")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(50))
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (CheckConstraint("status in ('prospect', 'formal')"),)


class Contact(Tracked, Base):
    __tablename__ = "contacts"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class Lead(Tracked, Base):
    __tablename__ = "leads"
    company_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(50))
    source_id: Mapped[int] = mapped_column(ForeignKey("lead_sources.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(Id)
    converted_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    __table_args__ = (CheckConstraint("status in ('new', 'qualified', 'rejected')"),)


# --- projects ----------------------------------------------------------------------------


class Project(Tracked, Base):
    __tablename__ = "projects"
    name: Mapped[str] = mapped_column(String(200), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    sales_mode_id: Mapped[int] = mapped_column(ForeignKey("sales_modes.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    industry_id: Mapped[int] = mapped_column(ForeignKey("industries.id"))
    expected_amount: Mapped[Decimal] = mapped_column(Money)
    expected_close_date: Mapped[dt.date] = mapped_column(Date)
    budget_amount: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    loss_reason_id: Mapped[int | None] = mapped_column(ForeignKey("loss_reasons.id"))
    loss_note: Mapped[str | None] = mapped_column(Text)
    closed_date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("status in ('open', 'won', 'lost')"),
        CheckConstraint("expected_amount >= 0"),
    )


class ProjectMember(Tracked, Base):
    __tablename__ = "project_members"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    member_role: Mapped[str] = mapped_column(String(30))
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)


class ProjectStageHistory(Tracked, Base):
    """Every change of stage, amount, close date or status, with the values at that moment."""

    __tablename__ = "project_stage_history"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    change_type: Mapped[str] = mapped_column(String(20))
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    to_stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(Id)
    amount: Mapped[Decimal] = mapped_column(Money)
    expected_close_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)

    __table_args__ = (
        CheckConstraint(
            "change_type in ('created', 'stage', 'amount', 'close_date', 'won', 'lost',"
            " 'reopened', 'owner')"
        ),
    )


class ProjectContact(Tracked, Base):
    """The decision tree: who decides, influences, evaluates, uses or guards the gate."""

    __tablename__ = "project_contacts"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    decision_role: Mapped[str] = mapped_column(String(30))
    attitude: Mapped[str] = mapped_column(String(20), default="neutral")
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("project_id", "contact_id"),)


class Competitor(Tracked, Base):
    __tablename__ = "competitors"
    name: Mapped[str] = mapped_column(String(200), unique=True)
    strengths: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProjectCompetitor(Tracked, Base):
    __tablename__ = "project_competitors"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitors.id"))
    threat_level: Mapped[str] = mapped_column(String(10), default="medium")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    quoted_amount: Mapped[Decimal | None] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("project_id", "competitor_id"),)


class Partner(Tracked, Base):
    __tablename__ = "partners"
    name: Mapped[str] = mapped_column(String(200), unique=True)
    partner_type: Mapped[str] = mapped_column(String(30), default="integrator")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProjectPartner(Tracked, Base):
    __tablename__ = "project_partners"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    partner_role: Mapped[str] = mapped_column(String(30), default="integrator")
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("project_id", "partner_id"),)


class Product(Tracked, Base):
    __tablename__ = "products"
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    list_price: Mapped[Decimal] = mapped_column(Money)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)


class Quote(Tracked, Base):
    __tablename__ = "quotes"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    quote_no: Mapped[str] = mapped_column(String(40), unique=True)
    quote_date: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    total_amount: Mapped[Decimal] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (CheckConstraint("status in ('draft', 'sent', 'accepted', 'rejected')"),)


class QuoteLine(Tracked, Base):
    __tablename__ = "quote_lines"
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount_rate: Mapped[Decimal] = mapped_column(Probability, default=Decimal(0))
    line_amount: Mapped[Decimal] = mapped_column(Money)


class Contract(Tracked, Base):
    __tablename__ = "contracts"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    contract_no: Mapped[str] = mapped_column(String(40), unique=True)
    signed_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (CheckConstraint("amount > 0"),)


class ContractLine(Tracked, Base):
    __tablename__ = "contract_lines"
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    line_amount: Mapped[Decimal] = mapped_column(Money)


class Activity(Tracked, Base):
    __tablename__ = "activities"
    activity_type: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    planned_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    notes: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    __table_args__ = (
        CheckConstraint("status in ('planned', 'done')"),
        CheckConstraint(
            "activity_type in ('call', 'visit', 'meeting', 'tech_exchange', 'demo', 'email')"
        ),
    )


class ProjectIssue(Tracked, Base):
    __tablename__ = "project_issues"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("status in ('open', 'resolved')"),)


# --- expenses ----------------------------------------------------------------------------


class ExpenseReport(Tracked, Base):
    """费用报销单: draft → submitted → manager_approved → approved → paid, or rejected."""

    __tablename__ = "expense_reports"
    report_no: Mapped[str] = mapped_column(String(40), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint(
            "status in ('draft', 'submitted', 'manager_approved', 'approved', 'paid', 'rejected')"
        ),
    )


class Expense(Tracked, Base):
    __tablename__ = "expenses"
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    incurred_date: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("expense_reports.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    __table_args__ = (
        CheckConstraint("amount > 0"),
        CheckConstraint("project_id is not null or customer_id is not null"),
    )


class ExpenseApproval(Tracked, Base):
    """One row per step a report takes, so the voucher can show who approved what and when."""

    __tablename__ = "expense_approvals"
    report_id: Mapped[int] = mapped_column(ForeignKey("expense_reports.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("step in ('submit', 'manager', 'finance', 'payment')"),
        CheckConstraint("decision in ('submitted', 'approved', 'rejected', 'paid')"),
    )


class Target(Tracked, Base):
    """经营目标: a monthly won-amount target for one rep or one department."""

    __tablename__ = "targets"
    period_month: Mapped[dt.date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    # Two partial indexes: a plain unique constraint never fires, NULLs being distinct.
    __table_args__ = (
        _partial_unique(
            "uq_targets_user_month", ["period_month", "user_id"], "user_id IS NOT NULL"
        ),
        _partial_unique(
            "uq_targets_department_month",
            ["period_month", "department_id"],
            "department_id IS NOT NULL",
        ),
        CheckConstraint("(user_id is null) <> (department_id is null)"),
        CheckConstraint("amount >= 0"),
    )


# The tables incremental extraction mirrors into the warehouse.
ENTITY_TABLES = [
    t
    for t in Base.metadata.sorted_tables
    if "change_seq" in t.c and t.name not in ("audit_log", "deleted_rows")
]
