"""`seed_store`: plan the world, then generate and write it chunk by chunk.

Memory stays bounded by the chunk size: a chunk of projects is generated with all its
children, written in one transaction and dropped before the next is drawn.

Bookkeeping: the whole run stamps one change sequence number, drawn once like any write
transaction's. Extraction therefore sees the seed as one change; the seed is an offline
operation — run it before the apps and refreshes start, not beside them. One audit_log
row per loaded table ('seed.load', source 'seed') records the row count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine

from ingest.commands.base import today
from ingest.seed import names
from ingest.seed.chunk import project_chunk
from ingest.seed.columns import DAY, build, ints, money, ts
from ingest.seed.context import SeedError, Window, load_ref, month_index
from ingest.seed.load import Loader, max_ids, open_loader
from ingest.seed.org import build_org, password_hash, plan_catalog, user_industry_rows, user_rows
from ingest.seed.plan import (
    IdAllocator,
    RepPicker,
    World,
    customer_tables,
    plan_customers,
    plan_projects,
)
from ingest.seed.profiles import PROFILES, Profile
from ingest.seed.reports import filler_expenses, plan_reports
from ingest.store.db import write_session
from ingest.store.models import ENTITY_TABLES

TABLES = [t.name for t in ENTITY_TABLES] + ["audit_log"]
# Quarter-end months carry bigger targets: that is when deals are expected to close.
TARGET_SEASON = np.array([0.8, 0.7, 1.3, 0.9, 0.9, 1.3, 0.9, 0.8, 1.3, 0.9, 1.0, 1.6])


@dataclass
class SeedSummary:
    profile: str
    seed: int
    as_of: dt.date
    backend: str
    loader: str
    seconds: float
    change_seq: int
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        top = ", ".join(
            f"{n} {name}" for name, n in sorted(self.rows.items(), key=lambda kv: -kv[1])[:5] if n
        )
        return (
            f"seeded profile {self.profile} (seed {self.seed}, as of {self.as_of}) on "
            f"{self.backend} in {self.seconds:.1f} s: {self.total_rows:,} rows ({top})"
        )


def seed_store(
    engine: Engine,
    profile: str | Profile,
    seed: int,
    as_of: dt.date | None = None,
    progress: bool = True,
) -> SeedSummary:
    """Fill the store with a deterministic, realistic company history.

    Identical arguments on identical stores give identical rows. The store must be
    initialised (`crm init`); the demo accounts are reused when they exist. Each chunk
    commits on its own (a single multi-GB transaction would balloon SQLite's WAL), so a
    seed that fails half-way leaves a partly seeded store: seed again into a fresh one.
    """
    if seed < 0:
        raise SeedError("the seed must be a non-negative integer")
    began = time.perf_counter()
    chosen = PROFILES[profile] if isinstance(profile, str) else profile
    window = Window(as_of or today())
    ref = load_ref(engine)
    ids = IdAllocator(max_ids(engine, TABLES))
    root = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 0])))
    org = build_org(engine, root, chosen, ref, ids.next["users"])
    ids.next["users"] = max([ids.next["users"], *(p.id for p in org.people)])
    catalog = plan_catalog(engine, ids.next)
    pw_hash = password_hash(seed)
    with write_session(engine) as session:  # draws the run's change_seq like any writer
        change_seq = int(session.info["change_seq"])
    w = World(
        seed=seed,
        profile=chosen,
        window=window,
        ref=ref,
        org=org,
        catalog=catalog,
        change_seq=change_seq,
        ids=ids,
        picker=RepPicker(org, len(ref.regions), len(ref.industries)),
    )
    w.target_months = window.month_starts(through_quarter_end=True)
    w.won_by_rep = np.zeros((len(org.rep_ids), len(w.target_months)))
    rows: dict[str, int] = dict.fromkeys(TABLES, 0)
    chunks = max(1, -(-chosen.projects // chosen.chunk))
    with _progress(progress) as bar:
        task = bar.add_task("planning", total=chosen.projects + 2)
        plan_customers(w)
        counts = plan_projects(w)
        first_tables = {
            **_org_tables(w, pw_hash, window.start_day),
            **customer_tables(w, counts),
            **plan_reports(w),
        }
        w.fillers = filler_expenses(w)
        loader = open_loader(engine)
        try:
            bar.update(task, description="writing customers", advance=1)
            _write(loader, first_tables, rows)
            for number in range(chunks):
                lo = number * chosen.chunk
                hi = min(chosen.projects, lo + chosen.chunk)
                bar.update(task, description=f"projects {lo:,}-{hi:,}")
                _write(loader, project_chunk(w, number, lo, hi).tables, rows)
                bar.update(task, advance=hi - lo)
            bar.update(task, description="targets and totals")
            loader.begin()
            targets = _targets(w)
            loader.write("targets", targets)
            rows["targets"] += targets.num_rows
            loader.set_report_totals(
                pa.array(w.report_first_id + np.arange(len(w.report_totals)), pa.int64()),
                pa.array(np.round(w.report_totals, 2)),
            )
            audit = _audit(w, rows)
            loader.write("audit_log", audit)
            rows["audit_log"] += audit.num_rows
            loader.commit()
            loader.finish([name for name in TABLES if rows[name]])
            bar.update(task, advance=1, description="done")
        except BaseException:
            with contextlib.suppress(Exception):  # the original error is the one to report
                loader.rollback()
            raise
        finally:
            loader.close()
    return SeedSummary(
        profile=chosen.name,
        seed=seed,
        as_of=window.as_of,
        backend=engine.dialect.name,
        loader=loader.name,
        seconds=time.perf_counter() - began,
        change_seq=change_seq,
        rows={k: v for k, v in rows.items() if v},
    )


@contextmanager
def _progress(enabled: bool) -> Iterator[Progress]:
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=False,
    )
    with bar:
        yield bar


def _write(loader: Loader, tables: dict[str, pa.Table], rows: dict[str, int]) -> None:
    loader.begin()
    for name, table in tables.items():
        loader.write(name, table)
        rows[name] += table.num_rows
    loader.commit()


# The columns of a catalog entry in names.py (PRODUCTS, COMPETITORS, PARTNERS), in order.
CATALOG_COLUMNS = {
    "products": ("code", "name_zh", "name_en", "category", "list_price"),
    "competitors": ("name", "strengths"),
    "partners": ("name", "partner_type"),
}


def _org_tables(w: World, pw_hash: str, start_day: int) -> dict[str, pa.Table]:
    """Accounts and the catalog, all entered by the admin before the window opens."""
    seq, admin = w.change_seq, w.org.admin_id
    created = (start_day - 90) * DAY + 3600

    def entered(name: str, columns: dict[str, Any], created_at: Any) -> pa.Table:
        """Rows the admin entered in this run: created at `created_at` (one time or one per row)."""
        n = len(columns["id"])
        if np.isscalar(created_at):
            created_at = np.full(n, created_at)
        return build(
            name, columns, change_seq=seq, created_at=created_at, created_by=np.full(n, admin)
        )

    users = user_rows(w.org, w.ref, pw_hash, created)
    user_cols = {k: v for k, v in users.items() if k != "created_at"}
    user_cols["department_id"] = _nullable(users["department_id"])
    user_cols["manager_id"] = _nullable(users["manager_id"])
    user_cols["region_id"] = _nullable(users["region_id"])
    tables = {"users": entered("users", user_cols, np.array(users["created_at"], dtype=np.int64))}
    pairs = user_industry_rows(w.org, w.ref)
    tables["user_industries"] = entered(
        "user_industries",
        {
            "id": w.ids.take("user_industries", len(pairs)),
            "user_id": np.array([u for u, _ in pairs], dtype=np.int64),
            "industry_id": np.array([i for _, i in pairs], dtype=np.int64),
        },
        created + 7200,
    )
    cat = w.catalog
    catalog = (
        ("products", names.PRODUCTS, cat.product_ids, cat.new_products),
        ("competitors", names.COMPETITORS, cat.competitor_ids, cat.new_competitors),
        ("partners", names.PARTNERS, cat.partner_ids, cat.new_partners),
    )
    for table, source, ids, new in catalog:
        entries = [source[i] for i in new]
        values: dict[str, Any] = {"id": ids[new]}
        for position, column in enumerate(CATALOG_COLUMNS[table]):
            values[column] = [entry[position] for entry in entries]
        if table == "products":
            values["list_price"] = np.array(values["list_price"], dtype=np.float64)
        values["is_active"] = np.ones(len(entries), bool)
        tables[table] = entered(table, values, created + 10_800)
    return tables


def _nullable(values: list[int | None]) -> pa.Array:
    return pa.array(values, type=pa.int64())


def _targets(w: World) -> pa.Table:
    """Monthly won-amount targets per rep and per department (经营目标), set each quarter.

    A rep's target follows their own record with noise, so some months are met
    and some missed; a department's target is the sum of its reps'.
    """
    rng = w.rng(6)
    org, months = w.org, w.target_months
    past = month_index(np.array([w.window.cutoff_day]), months)[0]
    won = w.won_by_rep[:, : max(past, 1)]
    typical = won.mean(axis=1)
    by_dept = {d: typical[org.rep_department == d].mean() for d in np.unique(org.rep_department)}
    base = np.where(typical > 0, typical, [by_dept[d] for d in org.rep_department])
    base = np.maximum(base, 50_000)
    calendar_month = months.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    n_reps, n_months = len(org.rep_ids), len(months)
    rep_target = np.round(
        base[:, None]
        * 0.85
        * TARGET_SEASON[calendar_month][None, :]
        * rng.lognormal(0.0, 0.25, (n_reps, n_months)),
        -4,
    )
    departments = np.unique(org.rep_department)
    dept_target = np.array([rep_target[org.rep_department == d].sum(axis=0) for d in departments])
    parent = w.ref.departments.get("industrial_it")
    scope_user = np.concatenate(
        [np.repeat(org.rep_ids, n_months), np.zeros(len(departments) * n_months, np.int64)]
    )
    scope_dept = np.concatenate(
        [np.zeros(n_reps * n_months, np.int64), np.repeat(departments, n_months)]
    )
    amount = np.concatenate([rep_target.ravel(), dept_target.ravel()])
    month = np.concatenate([np.tile(months, n_reps), np.tile(months, len(departments))])
    if parent is not None and parent not in set(departments.tolist()):
        scope_user = np.concatenate([scope_user, np.zeros(n_months, np.int64)])
        scope_dept = np.concatenate([scope_dept, np.full(n_months, parent)])
        amount = np.concatenate([amount, rep_target.sum(axis=0)])
        month = np.concatenate([month, months])
    is_user = scope_user > 0
    quarter_start = month.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    quarter_start = (
        (quarter_start // 3 * 3).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    )
    set_on = np.maximum(quarter_start - 10, w.window.start_day - 60)
    manager_of_rep = dict(zip(org.rep_ids.tolist(), org.rep_manager.tolist(), strict=True))
    setter = np.where(
        is_user, [manager_of_rep.get(int(u), org.head_id) for u in scope_user], org.head_id
    )
    n = len(amount)
    return build(
        "targets",
        {
            "id": w.ids.take("targets", n),
            "period_month": month,
            "user_id": ints(scope_user, ~is_user),
            "department_id": ints(scope_dept, is_user),
            "amount": money(amount),
        },
        change_seq=w.change_seq,
        created_at=set_on * DAY + 2 * 3600,
        created_by=setter,
    )


def _audit(w: World, rows: dict[str, int]) -> pa.Table:
    loaded = [name for name in TABLES if rows[name] and name != "audit_log"]
    now = int(time.time())
    after = [
        json.dumps(
            {
                "rows": rows[name],
                "profile": w.profile.name,
                "seed": w.seed,
                "as_of": str(w.window.as_of),
            }
        )
        for name in loaded
    ]
    n = len(loaded)
    return pa.table(
        {
            "id": pa.array(w.ids.take("audit_log", n)),
            "at": ts(np.full(n, now)),
            "actor_id": pa.nulls(n, pa.int64()),
            "action": pa.array(["seed.load"] * n),
            "entity": pa.array(loaded),
            "after": pa.array(after),
            "source": pa.array(["seed"] * n),
            "change_seq": pa.array(np.full(n, w.change_seq, dtype=np.int64)),
        }
    )
