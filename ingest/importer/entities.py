"""Import commands for master data, activities and expenses; projects and their history are
in projects.py.

Each command takes one converted source row and creates, updates or leaves alone the
record an earlier import made from it (found by external id). New records go through the
app's own commands where those fit an import (customers, contacts, users, products), so an
imported record is exactly as valid as a typed one. Updates validate with the same field
helpers the app's update commands use and write only what differs, so re-importing an
unchanged file writes nothing at all.

Activities and expenses need their own commands: the app's record the acting user as the
owner and check that the actor works the project; an import records history for many reps
at once, by a data steward who works none of them. The checks are otherwise the app's.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from ingest.commands.activities import ActivityInput, _activity_fields
from ingest.commands.base import (
    MAX_EXPENSE,
    Checks,
    CommandError,
    Context,
    command,
)
from ingest.commands.catalog import ProductInput, _product_fields, create_product
from ingest.commands.customers import (
    ContactInput,
    CustomerInput,
    _contact_fields,
    _customer_fields,
    create_contact,
    create_customer,
)
from ingest.commands.expenses import CATEGORIES, _refresh_total, _require_editable
from ingest.commands.users import UserInput, add_user, check_identity, disable_user
from ingest.importer.common import (
    ImportRow,
    Outcome,
    apply_changes,
    code_of,
    collect,
    earliest_time,
    load,
    require_importer,
    source_created_at,
    stamp_created_at,
)
from ingest.store.models import (
    Activity,
    Contact,
    Customer,
    CustomerType,
    Department,
    Expense,
    Industry,
    Product,
    Project,
    Region,
    User,
    UserIndustry,
)

T = TypeVar("T")


def _merged(values: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """An update sees the stored value of every field the mapping leaves out."""
    return {**current, **values}


def _stored(record: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The record's values of the fields the mapping names like the column (the `_FIELDS`
    below: named alike in the store, the mapping and the app's input)."""
    return {name: getattr(record, name) for name in names}


def _given(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The source's values of the fields the app's input names like the mapping."""
    return {name: values.get(name) for name in names}


def _refuse_if_any(checks: Checks, validate: Callable[[], object] | None = None) -> None:
    """With errors already found, run the full validation too (the user learns about every
    bad field at once), then refuse."""
    if checks.errors:
        if validate is not None:
            collect(checks, validate)
        checks.done()


def _begin(
    ctx: Context, row: ImportRow, model: type[T]
) -> tuple[Checks, dt.datetime | None, T | None]:
    """What every entity import starts with: the importer's role, the row's own errors,
    the source's creation time and the record an earlier import made (None when new)."""
    require_importer(ctx)
    checks = row.checks()
    created_at = source_created_at(checks, row.values.get("created_at"))
    return checks, created_at, load(ctx, checks, model, row.existing_id, "external_id")


def _create_through(
    ctx: Context,
    checks: Checks,
    model: type,
    created_at: dt.datetime | None,
    validate: Callable[[], object],
    create: Any,
    data: Any,
) -> Outcome:
    """A new record goes through the app's own create command, stamped with the source's
    creation time, once every field error has been found."""
    _refuse_if_any(checks, validate)
    with stamp_created_at(ctx, model, created_at):
        return Outcome("created", create.body(ctx, data))


def _update(
    ctx: Context, record: Any, fields: dict[str, Any], created_at: dt.datetime | None, action: str
) -> Outcome:
    """Write what differs, the source's creation time included when it gives one."""
    if created_at is not None:
        fields["created_at"] = created_at
    return apply_changes(ctx, record, fields, action)


def _add_historic(
    ctx: Context,
    model: type,
    row: ImportRow,
    fields: dict[str, Any],
    created_at: dt.datetime | None,
    action: str,
) -> Outcome:
    """A new history record (expense, activity) the app's commands cannot create for an
    importer: added as converted, with its external id and the source's creation time."""
    if created_at is not None:
        fields["created_at"] = created_at
    record = ctx.add(model(external_id=row.external_id, **fields))
    ctx.audit(action, record)
    return Outcome("created", record.id)


# --- customers --------------------------------------------------------------------------


_CUSTOMER_FIELDS = ("name", "city", "address", "phone", "notes")


@command("import.customer")
def import_customer(ctx: Context, row: ImportRow) -> Outcome:
    checks, created_at, customer = _begin(ctx, row, Customer)
    current = {}
    if customer is not None:
        current = {
            **_stored(customer, (*_CUSTOMER_FIELDS, "status")),
            "customer_type": code_of(ctx, CustomerType, customer.customer_type_id),
            "industry": code_of(ctx, Industry, customer.industry_id),
            "region": code_of(ctx, Region, customer.region_id),
            "owner": customer.owner_id,
        }
    v = _merged(row.values, current)
    data = CustomerInput(
        **_given(v, (*_CUSTOMER_FIELDS, "customer_type", "industry", "region")),
        status=v.get("status") or "prospect",
        owner_id=v.get("owner"),
        external_id=row.external_id,
    )
    if customer is None:
        return _create_through(
            ctx,
            checks,
            Customer,
            created_at,
            lambda: _customer_fields(ctx, data),
            create_customer,
            data,
        )
    fields = collect(checks, lambda: _customer_fields(ctx, data))
    owner = load(ctx, checks, User, data.owner_id, "owner")
    if data.owner_id is None:
        checks.fail("owner", "required")
    checks.done()
    assert fields is not None and owner is not None and customer is not None
    if fields["status"] != customer.status and customer.status == "formal":
        # Only forward: prospect → formal, which importers (stewards, admins) may do.
        raise CommandError.one("status", "already_formal")
    fields["owner_id"] = owner.id
    return _update(ctx, customer, fields, created_at, "customer.update")


# --- contacts ---------------------------------------------------------------------------


_CONTACT_FIELDS = ("name", "title", "phone", "email", "notes")


@command("import.contact")
def import_contact(ctx: Context, row: ImportRow) -> Outcome:
    checks, created_at, contact = _begin(ctx, row, Contact)
    current = {}
    if contact is not None:
        current = {
            "customer": contact.customer_id,
            **_stored(contact, _CONTACT_FIELDS),
        }
    v = _merged(row.values, current)
    data = ContactInput(
        customer_id=v.get("customer"), **_given(v, _CONTACT_FIELDS), external_id=row.external_id
    )
    if data.customer_id is None:
        checks.fail("customer", "required")
    if contact is None:
        return _create_through(
            ctx, checks, Contact, created_at, lambda: _contact_fields(data), create_contact, data
        )
    fields = collect(checks, lambda: _contact_fields(data))
    customer = load(ctx, checks, Customer, data.customer_id, "customer")
    checks.done()
    assert fields is not None and customer is not None and contact is not None
    fields["customer_id"] = customer.id
    return _update(ctx, contact, fields, created_at, "contact.update")


# --- users ------------------------------------------------------------------------------


_USER_FIELDS = ("username", "role", "department", "region", "email")


@command("import.user")
def import_user(ctx: Context, row: ImportRow) -> Outcome:
    """Users come from the old system without passwords: a new account gets a random one,
    and an admin sets a real one (`crm user set-password`) before its owner signs in."""
    checks, created_at, user = _begin(ctx, row, User)
    v = row.values
    if user is None:
        data = _user_input(
            v,
            display_name=v.get("display_name") or v.get("username"),
            password=v.get("password") or secrets.token_urlsafe(24),
            external_id=row.external_id,
        )
        _refuse_if_any(checks, lambda: _user_fields(ctx, Checks(), data, None))
        with stamp_created_at(ctx, User, created_at):
            user_id = add_user.body(ctx, data)
        if v.get("is_active") is False:
            disable_user.body(ctx, user_id)
        return Outcome("created", user_id)
    assert user is not None
    current = {
        **_stored(user, ("username", "display_name", "role", "email", "locale", "is_active")),
        "department": code_of(ctx, Department, user.department_id),
        "region": code_of(ctx, Region, user.region_id),
        "manager": user.manager_id,
    }
    v = _merged(row.values, current)
    data = _user_input(v, display_name=v.get("display_name"), password=None)
    fields, industry_ids = _user_fields(ctx, checks, data, user)
    if created_at is not None:
        fields["created_at"] = created_at
    active = v.get("is_active")
    fields["is_active"] = user.is_active if active is None else active
    industries_changed = "industries" in row.values and industry_ids != _industry_ids(ctx, user)
    if industries_changed or any(getattr(user, k) != value for k, value in fields.items()):
        ctx.require_role("admin")  # as for adding one: accounts are an admin's business
    outcome = apply_changes(ctx, user, fields, "user.update")
    if industries_changed:
        _set_industries(ctx, user, industry_ids)
        outcome = Outcome("updated", user.id)
    return outcome


def _user_input(
    v: dict[str, Any], *, display_name: Any, password: Any, external_id: str | None = None
) -> UserInput:
    """The source's user fields; a new account and an update differ in name, password and
    external id only."""
    return UserInput(
        **_given(v, _USER_FIELDS),
        display_name=display_name,
        password=password,
        manager_id=v.get("manager"),
        locale=v.get("locale") or "zh_CN",
        industries=v.get("industries") or [],
        external_id=external_id,
    )


def _user_fields(
    ctx: Context, checks: Checks, data: UserInput, user: User | None
) -> tuple[dict[str, Any], set[int]]:
    """The checks of users.add_user, its `check_identity` among them, fit for an update too
    (no password; a user's own username is not "taken")."""
    fields = check_identity(checks, data)
    taken = fields["username"] and ctx.session.scalar(
        select(User.id).where(User.username == fields["username"])
    )
    if taken and (user is None or taken != user.id):
        checks.fail("username", "user_exists")
    for name, model in (("department", Department), ("region", Region)):
        code = getattr(data, name)
        found = None
        if code:
            found = collect(checks, lambda m=model, c=code, n=name: ctx.get_by_code(m, c, n))
        fields[f"{name}_id"] = found.id if found is not None else None
    manager = load(ctx, checks, User, data.manager_id, "manager")
    if manager is not None and user is not None and manager.id == user.id:
        checks.fail("manager", "invalid_choice", value=user.username)
    fields["manager_id"] = manager.id if manager is not None else None
    industries = [
        collect(checks, lambda c=code: ctx.get_by_code(Industry, c, "industries"))
        for code in data.industries
    ]
    checks.done()
    return fields, {industry.id for industry in industries if industry is not None}


def _industry_ids(ctx: Context, user: User) -> set[int]:
    return set(
        ctx.session.scalars(select(UserIndustry.industry_id).where(UserIndustry.user_id == user.id))
    )


def _set_industries(ctx: Context, user: User, industry_ids: set[int]) -> None:
    rows = ctx.session.scalars(select(UserIndustry).where(UserIndustry.user_id == user.id)).all()
    have = {row.industry_id: row for row in rows}
    for industry_id, link in have.items():
        if industry_id not in industry_ids:
            ctx.delete("user_industry.delete", link)
    for industry_id in industry_ids - set(have):
        link = ctx.add(UserIndustry(user_id=user.id, industry_id=industry_id))
        ctx.audit("user_industry.create", link)


# --- products ---------------------------------------------------------------------------


_PRODUCT_FIELDS = ("code", "name_zh", "name_en", "category", "list_price")


@command("import.product")
def import_product(ctx: Context, row: ImportRow) -> Outcome:
    checks, created_at, product = _begin(ctx, row, Product)
    current = {}
    if product is not None:
        current = _stored(product, (*_PRODUCT_FIELDS, "is_active"))
    v = _merged(row.values, current)
    data = ProductInput(
        **_given(v, _PRODUCT_FIELDS),
        is_active=v.get("is_active") is not False,
        external_id=row.external_id,
    )
    product_id = product.id if product is not None else None
    if product is None:
        return _create_through(
            ctx,
            checks,
            Product,
            created_at,
            lambda: _product_fields(ctx, data),
            create_product,
            data,
        )
    fields = collect(checks, lambda: _product_fields(ctx, data, product_id))
    checks.done()
    assert fields is not None and product is not None
    return _update(ctx, product, fields, created_at, "product.update")


# --- expenses ---------------------------------------------------------------------------


@command("import.expense")
def import_expense(ctx: Context, row: ImportRow) -> Outcome:
    """An expense of any rep, with its real date (the app's checks: amount within the
    expense limit, a date not in the future, linked to a project and/or customer)."""
    require_importer(ctx)
    checks = row.checks()
    expense = load(ctx, checks, Expense, row.existing_id, "external_id")
    current = {}
    if expense is not None:
        current = {
            "owner": expense.owner_id,
            "project": expense.project_id,
            # With a project, the customer follows it unless the source names one.
            "customer": expense.customer_id if expense.project_id is None else None,
            **_stored(expense, ("category", "amount", "incurred_date", "description")),
        }
    v = _merged(row.values, current)
    fields: dict[str, Any] = {
        "category": checks.choice("category", v.get("category"), CATEGORIES),
        "amount": checks.amount("amount", v.get("amount"), maximum=MAX_EXPENSE),
        "incurred_date": checks.date("incurred_date", v.get("incurred_date"), not_future=True),
        "description": checks.text(
            "description", v.get("description"), required=False, max_len=1000, multiline=True
        ),
    }
    created_at = source_created_at(checks, v.get("created_at"))
    project = load(ctx, checks, Project, v.get("project"), "project")
    customer = load(ctx, checks, Customer, v.get("customer"), "customer")
    if v.get("project") is None and v.get("customer") is None:
        checks.fail("project", "link_required")
    if project is not None and customer is not None and customer.id != project.customer_id:
        checks.fail("customer", "expense_customer_mismatch")
    owner_id = v.get("owner") or _owner_of(project, customer)
    owner = load(ctx, checks, User, owner_id, "owner")
    if owner_id is None and "owner" not in checks.errors and (project or customer):
        checks.fail("owner", "required")
    checks.done()
    assert owner is not None
    fields["owner_id"] = owner.id
    fields["project_id"] = project.id if project is not None else None
    fields["customer_id"] = customer.id if customer is not None else project.customer_id  # type: ignore[union-attr]
    if created_at is None and expense is None:
        created_at = earliest_time(fields["incurred_date"])
    if expense is None:
        return _add_historic(ctx, Expense, row, fields, created_at, "expense.create")
    report = _require_editable(ctx, expense)
    outcome = _update(ctx, expense, fields, created_at, "expense.update")
    if report is not None and outcome.action == "updated":
        _refresh_total(ctx, report, "expense_report.update_total")
    return outcome


def _owner_of(project: Project | None, customer: Customer | None) -> int | None:
    """Who a record belongs to when the source does not say: the project's owner, else the
    customer's."""
    if project is not None:
        return project.owner_id
    return customer.owner_id if customer is not None else None


# --- activities -------------------------------------------------------------------------


_ACTIVITY_FIELDS = ("activity_type", "subject", "planned_at", "notes")


@command("import.activity")
def import_activity(ctx: Context, row: ImportRow) -> Outcome:
    """A call, visit or meeting of any rep, planned or done at its real time. The status
    defaults to done when the source has a completion time, and a done activity without
    one is taken to have happened when planned (the app would say "now")."""
    require_importer(ctx)
    checks = row.checks()
    activity = load(ctx, checks, Activity, row.existing_id, "external_id")
    current = {}
    if activity is not None:
        current = {
            "project": activity.project_id,
            "customer": activity.customer_id if activity.project_id is None else None,
            "contact": activity.contact_id,
            "owner": activity.owner_id,
            **_stored(activity, (*_ACTIVITY_FIELDS, "status", "done_at")),
        }
    v = _merged(row.values, current)
    status = v.get("status") or ("done" if v.get("done_at") else "planned")
    done_at = v.get("done_at") or (v.get("planned_at") if status == "done" else None)
    data = ActivityInput(
        **_given(v, _ACTIVITY_FIELDS),
        project_id=v.get("project"),
        customer_id=v.get("customer"),
        contact_id=v.get("contact"),
        status=status,
        done_at=done_at,
    )
    fields = collect(checks, lambda: _activity_fields(data))
    created_at = source_created_at(checks, v.get("created_at"))
    project = load(ctx, checks, Project, data.project_id, "project")
    customer = load(ctx, checks, Customer, data.customer_id, "customer")
    if project is not None and customer is not None and customer.id != project.customer_id:
        checks.fail("customer", "project_customer_mismatch")
    customer_id = customer.id if customer else (project.customer_id if project else None)
    contact = load(ctx, checks, Contact, data.contact_id, "contact")
    if contact is not None and contact.customer_id != customer_id:
        checks.fail("contact", "customer_mismatch")
    owner = load(ctx, checks, User, v.get("owner") or _owner_of(project, customer), "owner")
    checks.done()
    assert fields is not None and owner is not None
    fields.update(
        owner_id=owner.id,
        project_id=project.id if project else None,
        customer_id=customer_id,
        contact_id=contact.id if contact else None,
    )
    if created_at is None and activity is None:
        created_at = earliest_time(fields.get("planned_at"), fields.get("done_at"))
    if activity is None:
        return _add_historic(ctx, Activity, row, fields, created_at, "activity.create")
    return _update(ctx, activity, fields, created_at, "activity.update")
