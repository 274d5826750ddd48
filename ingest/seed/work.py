"""The day-to-day records: activities (行动) and sales expenses, on projects and accounts.

Counts are normalised per chunk so that a profile's totals land on its targets whatever
the mix of long and short projects in a chunk: activities spread over a project's life,
expenses grow with its length and size and are heavier on big deals that were lost.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ingest.commands.base import MAX_EXPENSE
from ingest.seed import names
from ingest.seed.columns import DAY, build, ints, pick, ts
from ingest.seed.plan import World, categorical, flat_lists, segments, work_time
from ingest.seed.story import Story

ACTIVITY_TYPES = ["call", "visit", "meeting", "tech_exchange", "demo", "email"]
# Activity type mix early, mid and late in a project's life, and for account care.
ACTIVITY_MIX = np.array(
    [
        [0.35, 0.35, 0.05, 0.05, 0.0, 0.20],
        [0.20, 0.20, 0.10, 0.25, 0.15, 0.10],
        [0.25, 0.20, 0.30, 0.05, 0.05, 0.15],
    ]
)
ACCOUNT_CARE_MIX = np.array([0.35, 0.35, 0.15, 0.0, 0.0, 0.15])
ACTIVITY_SHARE_PROJECT = 0.88  # of a profile's activities: done on projects
ACTIVITY_SHARE_CUSTOMER = 0.09  # account care; the rest are plans of open projects
PLANNED_PER_OPEN_PROJECT = 2.0
EXPENSE_CATEGORIES = list(names.EXPENSE_DESCRIPTIONS)
EXPENSE_MIX = np.array([0.22, 0.18, 0.20, 0.12, 0.18, 0.04, 0.03, 0.03])
ACCOUNT_EXPENSE_MIX = np.array([0.25, 0.15, 0.25, 0.15, 0.15, 0.05, 0.0, 0.0])
EXPENSE_MEDIAN = np.array([1500, 550, 220, 2200, 110, 1000, 4000, 350], dtype=np.float64)
EXPENSE_SHARE_CUSTOMER = 0.04  # of a profile's expenses: on an account, not a project


def project_activities(w: World, rng: np.random.Generator, s: Story) -> pa.Table:
    profile, cutoff_day, cutoff_sec = w.profile, w.window.cutoff_day, w.window.cutoff_sec
    life = np.maximum(s.life, 1)
    per_project = ACTIVITY_SHARE_PROJECT * profile.activities / profile.projects
    k = rng.poisson(per_project * s.n * life / life.sum())
    ap, _, _ = segments(k)
    day = s.created_day[ap] + (rng.random(len(ap)) * life[ap]).astype(np.int64)
    planned = np.maximum(work_time(rng, day), s.created_sec[ap] + 600)
    phase = np.minimum((3 * (day - s.created_day[ap]) / life[ap]).astype(np.int64), 2)
    kind = categorical(rng, ACTIVITY_MIX[phase])
    done = rng.random(len(ap)) < 0.98  # the rest were planned and never logged as done
    done_at = np.minimum(planned + rng.integers(0, 60, len(ap)) * 60, cutoff_sec - 60)
    # Open projects have visits and calls planned for the coming month.
    k_plan = np.where(s.status == "open", rng.poisson(PLANNED_PER_OPEN_PROJECT, s.n), 0)
    fp, _, _ = segments(k_plan)
    future = work_time(rng, cutoff_day + rng.integers(1, 31, len(fp)))
    entered = np.maximum(
        cutoff_sec - rng.integers(1, 8 * 24 * 60, len(fp)) * 60, s.created_sec[fp] + 600
    )
    project = np.concatenate([ap, fp])
    created = np.concatenate([np.where(done, done_at, planned - DAY), entered])
    created = np.maximum(created, s.created_sec[project] + 60)
    order = np.lexsort((created, project))
    project = project[order]
    kind = np.concatenate([kind, categorical(rng, np.tile(ACTIVITY_MIX[1], (len(fp), 1)))])
    return activity_rows(
        w,
        rng,
        kind[order],
        np.concatenate([planned, future])[order],
        np.concatenate([done, np.zeros(len(fp), bool)])[order],
        np.concatenate([done_at, np.zeros(len(fp), np.int64)])[order],
        created[order],
        owner=s.owner[project],
        customer=s.customer[project],
        project=s.pid[project],
    )


def customer_activities(w: World, rng: np.random.Generator, lo: int, hi: int) -> pa.Table:
    """Account care without a project: calls and visits to customers of the chunk's days."""
    share = (hi - lo) / w.profile.projects
    n = rng.poisson(ACTIVITY_SHARE_CUSTOMER * w.profile.activities * share)
    first, last = chunk_days(w, lo, hi)
    day = rng.integers(first, last, n)
    customer = customers_before(w, rng, day)
    planned = np.maximum(work_time(rng, day), w.cust_sec[customer] + 3600)
    done = np.minimum(planned + rng.integers(0, 60, n) * 60, w.window.cutoff_sec - 60)
    return activity_rows(
        w,
        rng,
        categorical(rng, np.tile(ACCOUNT_CARE_MIX, (n, 1))),
        planned,
        np.ones(n, bool),
        done,
        done,
        owner=w.org.rep_ids[w.cust_owner[customer]],
        customer=customer,
        project=None,
    )


def activity_rows(  # type: ignore[no-untyped-def]
    w, rng, kind, planned, done, done_at, created, *, owner, customer, project
) -> pa.Table:
    n = len(kind)
    subjects, start, count = flat_lists([names.ACTIVITY_SUBJECTS[t] for t in ACTIVITY_TYPES])
    subject = start[kind] + (rng.random(n) * count[kind]).astype(np.int64)
    with_contact = rng.random(n) < 0.6
    contact = w.contact_first[customer] + (rng.random(n) * w.contact_count[customer]).astype(
        np.int64
    )
    no_project = np.ones(n, bool) if project is None else None
    return build(
        "activities",
        {
            "id": w.ids.take("activities", n),
            "activity_type": pick(ACTIVITY_TYPES, kind),
            "subject": pick(subjects, subject),
            "owner_id": owner,
            "customer_id": w.cust_id[customer],
            "project_id": ints(np.zeros(n) if project is None else project, no_project),
            "contact_id": ints(contact, ~with_contact),
            "planned_at": planned,
            "done_at": ts(done_at, ~done),
            "status": np.where(done, "done", "planned"),
        },
        change_seq=w.change_seq,
        created_at=created,
        created_by=owner,
        updated_at=np.where(done, np.maximum(done_at, created), created),
    )


def project_expenses(w: World, rng: np.random.Generator, s: Story) -> pa.Table:
    profile = w.profile
    reported = len(w.report_totals)  # one filler expense per report is written elsewhere
    per_project = ((1 - EXPENSE_SHARE_CUSTOMER) * profile.expenses - reported) / profile.projects
    life = np.maximum(s.life, 1).astype(np.float64)
    size = np.clip((s.a0 / 1e6) ** 0.25, 0.5, 3.0)
    heavy = np.where(~s.won & (s.a0 > 3e6), 1.7, 1.0)  # chasing a big deal that was lost
    weight = life * size * heavy
    k = rng.poisson(max(per_project, 0.1) * s.n * weight / weight.sum())
    ep, _, _ = segments(k)
    day = s.created_day[ep] + (rng.random(len(ep)) * life[ep]).astype(np.int64)
    day = np.minimum(day, w.window.cutoff_day - 1)
    mix = np.tile(EXPENSE_MIX, (len(ep), 1))
    mix[~s.tender[ep], EXPENSE_CATEGORIES.index("bidding")] = 0  # bids are for tenders
    category = categorical(rng, mix)
    scale = np.maximum(1, 1 + 0.3 * np.log10(s.a0[ep] / 1e6))
    amount = EXPENSE_MEDIAN[category] * rng.lognormal(0, 0.6, len(ep)) * scale
    return expense_rows(
        w,
        rng,
        s.rep[ep],
        s.customer[ep],
        s.pid[ep],
        day,
        category,
        amount,
        not_before=s.created_sec[ep] + 60,
    )


def customer_expenses(
    w: World, rng: np.random.Generator, number: int, lo: int, hi: int
) -> pa.Table:
    """Costs of looking after an account; the first chunk also carries one small expense
    per monthly report (a taxi to the rep's own account), so that no report is empty."""
    share = (hi - lo) / w.profile.projects
    n = rng.poisson(EXPENSE_SHARE_CUSTOMER * w.profile.expenses * share)
    first, last = chunk_days(w, lo, hi)
    day = np.minimum(rng.integers(first, last, n), w.window.cutoff_day - 1)
    customer = customers_before(w, rng, day)
    day = np.maximum(day, w.cust_sec[customer] // DAY)
    category = categorical(rng, np.tile(ACCOUNT_EXPENSE_MIX, (n, 1)))
    amount = EXPENSE_MEDIAN[category] * rng.lognormal(0, 0.5, n)
    parts = []
    if number == 0:
        f = w.fillers
        kinds = np.array([EXPENSE_CATEGORIES.index(c) for c in f["category"]], dtype=np.int64)
        parts.append(
            expense_rows(w, rng, f["rep"], f["customer"], None, f["day"], kinds, f["amount"])
        )
    parts.append(
        expense_rows(w, rng, w.cust_owner[customer], customer, None, day, category, amount)
    )
    return pa.concat_tables(parts)


def expense_rows(  # type: ignore[no-untyped-def]
    w, rng, rep, customer, project, day, category, amount, not_before=None
) -> pa.Table:
    """Expenses, each on its owner's report of that month (if the report exists yet)."""
    n = len(rep)
    amount = np.clip(np.round(amount, 2), 1.0, float(MAX_EXPENSE))
    texts, start, count = flat_lists([names.EXPENSE_DESCRIPTIONS[c] for c in EXPENSE_CATEGORIES])
    description = start[category] + (rng.random(n) * count[category]).astype(np.int64)
    report = w.report_of(rep, day)
    on_report = report >= 0
    index = report[on_report] - w.report_first_id
    np.add.at(w.report_totals, index, amount[on_report])
    created = day * DAY + 10 * 3600 + rng.integers(0, 240, n) * 60  # 18:00-22:00 Beijing
    if not_before is not None:
        created = np.maximum(created, not_before)
    attached = created.copy()
    attached[on_report] = np.maximum(w.report_created[index], created[on_report])
    owner = w.org.rep_ids[rep]
    no_project = np.ones(n, bool) if project is None else None
    return build(
        "expenses",
        {
            "id": w.ids.take("expenses", n),
            "owner_id": owner,
            "project_id": ints(np.zeros(n) if project is None else project, no_project),
            "customer_id": w.cust_id[customer],
            "category": pick(EXPENSE_CATEGORIES, category),
            "amount": amount,
            "incurred_date": day,
            "description": pick(texts, description),
            "report_id": ints(report, ~on_report),
        },
        change_seq=w.change_seq,
        created_at=created,
        created_by=owner,
        updated_at=attached,  # attaching it to the report was its last change
    )


def chunk_days(w: World, lo: int, hi: int) -> tuple[int, int]:
    """The days a chunk covers: from its first project to the next chunk's first."""
    first = w.window.start_day if lo == 0 else int(w.proj_sec[lo] // DAY)
    last = w.window.cutoff_day if hi >= len(w.proj_sec) else int(w.proj_sec[hi] // DAY)
    return first, max(last, first + 1)


def customers_before(w: World, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """A random customer entered before each day (customers are in creation order)."""
    entered = np.maximum(np.searchsorted(w.cust_sec, day * DAY, side="left"), 1)
    return (rng.random(len(day)) * entered).astype(np.int64)
