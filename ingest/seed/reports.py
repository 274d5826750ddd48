"""Expense reports (费用报销单) and their approval trail.

One report per rep and month, created a few days after the month ends and gathering that
month's expenses. Each walks submit → manager → finance → payment until the cut-off stops
it, so the latest are still pending; a few are rejected with a comment, and about half of
those are fixed, resubmitted and go through again. The actors are the ones the commands
require: the owner submits, the owner's manager signs first, a finance user second and
marks it paid.

Reports are written before any expense (expenses point at them), so their totals start at
zero and are set once every expense is written (`World.report_totals`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from ingest.seed import names
from ingest.seed.columns import DAY, build, ts
from ingest.seed.context import month_end
from ingest.seed.plan import WORK_MINUTES, WORK_START, World

REJECT_AT_MANAGER = 0.04
REJECT_AT_FINANCE = 0.02
RESUBMIT = 0.5
STATUS_AFTER = {
    ("submit", "submitted"): "submitted",
    ("manager", "approved"): "manager_approved",
    ("manager", "rejected"): "rejected",
    ("finance", "approved"): "approved",
    ("finance", "rejected"): "rejected",
    ("payment", "paid"): "paid",
}


def plan_reports(w: World) -> dict[str, pa.Table]:
    rng = w.rng(4)
    org, window = w.org, w.window
    months = window.month_starts()
    created_day = month_end(months) + rng.integers(1, 6, len(months))
    n_reps = len(org.rep_ids)
    cells = [(m, r) for m in np.flatnonzero(created_day < window.cutoff_day) for r in range(n_reps)]
    n = len(cells)
    ids = w.ids.take("expense_reports", n)
    w.report_months = months
    w.report_cell = np.full((n_reps, len(months)), -1, dtype=np.int64)
    w.report_first_id = int(ids[0]) if n else 0
    w.report_totals = np.zeros(n)
    draws = rng.random((n, 6))
    gaps = rng.integers(1, 8, (n, 6)) * DAY + rng.integers(0, WORK_MINUTES, (n, 6)) * 60
    finance = org.finance_ids[rng.integers(0, len(org.finance_ids), n)]
    comment = rng.integers(0, len(names.REJECT_COMMENTS), n)
    reports: list[tuple] = []
    trail: list[tuple] = []
    for k, ((m, r), report_id) in enumerate(zip(cells, ids, strict=True)):
        w.report_cell[r, m] = report_id
        owner, manager = int(org.rep_ids[r]), int(org.rep_manager[r])
        actors = {"submit": owner, "manager": manager}
        created = int(created_day[m]) * DAY + WORK_START + int(draws[k, 0] * WORK_MINUTES) * 60
        status, submitted, last_at, last_by = "draft", None, created, owner
        steps = _steps(created, draws[k], gaps[k], window.cutoff_sec)
        for step, decision, at in steps:
            actor = actors.get(step, int(finance[k]))
            note = names.REJECT_COMMENTS[comment[k]] if decision == "rejected" else None
            trail.append((report_id, step, decision, actor, at, note))
            status = STATUS_AFTER[(step, decision)]
            submitted = at if decision == "submitted" else submitted
            last_at, last_by = at, actor
        month = dt.date(1970, 1, 1) + dt.timedelta(days=int(months[m]))
        opened = dt.date(1970, 1, 1) + dt.timedelta(days=int(created_day[m]))
        reports.append(
            (
                report_id,
                f"BX{opened:%Y%m%d}{report_id:06d}",
                owner,
                f"{month.year}年{month.month:02d}月费用报销",
                status,
                submitted,
                1 + len(steps),
                created,
                last_at,
                last_by,
            )
        )
    (_, numbers, owners, titles, statuses, submitted, versions, created, updated, by) = (
        (list(c) for c in zip(*reports, strict=True)) if reports else ([[]] * 10)
    )
    w.report_created = np.array(created, dtype=np.int64)
    never = np.array([s is None for s in submitted], dtype=bool)
    report_table = build(
        "expense_reports",
        {
            "id": ids,
            "report_no": numbers,
            "owner_id": np.array(owners, dtype=np.int64),
            "title": titles,
            "status": statuses,
            "total_amount": np.zeros(n),  # set once every expense is written
            "submitted_at": ts(np.array([s or 0 for s in submitted], dtype=np.int64), never),
            "version": np.array(versions, dtype=np.int64),
        },
        change_seq=w.change_seq,
        created_at=w.report_created,
        created_by=np.array(owners, dtype=np.int64),
        updated_at=np.array(updated, dtype=np.int64),
        updated_by=np.array(by, dtype=np.int64),
    )
    columns = list(zip(*trail, strict=True)) if trail else [[]] * 6
    acted_at = np.array(columns[4], dtype=np.int64)
    actor = np.array(columns[3], dtype=np.int64)
    approval_table = build(
        "expense_approvals",
        {
            "id": w.ids.take("expense_approvals", len(trail)),
            "report_id": np.array(columns[0], dtype=np.int64),
            "step": list(columns[1]),
            "decision": list(columns[2]),
            "actor_id": actor,
            "acted_at": acted_at,
            "comment": pa.array(list(columns[5]), type=pa.string()),
        },
        change_seq=w.change_seq,
        created_at=acted_at,
        created_by=actor,
    )
    return {"expense_reports": report_table, "expense_approvals": approval_table}


def _steps(
    created: int, draws: np.ndarray, gaps: np.ndarray, cutoff: int
) -> list[tuple[str, str, int]]:
    """The steps a report took before the cut-off: (step, decision, when)."""
    steps: list[tuple[str, str, int]] = []
    at = created + int(gaps[0] // 4)
    for attempt in range(2):
        if at >= cutoff:
            return steps
        steps.append(("submit", "submitted", at))
        at += int(gaps[1])
        if at >= cutoff:
            return steps
        if draws[1 + attempt] < REJECT_AT_MANAGER:
            steps.append(("manager", "rejected", at))
        else:
            steps.append(("manager", "approved", at))
            at += int(gaps[2])
            if at >= cutoff:
                return steps
            if draws[3] < REJECT_AT_FINANCE and attempt == 0:
                steps.append(("finance", "rejected", at))
            else:
                steps.append(("finance", "approved", at))
                at += int(gaps[3]) + 2 * DAY
                if at < cutoff:
                    steps.append(("payment", "paid", at))
                return steps
        if draws[4] >= RESUBMIT:
            return steps
        at += int(gaps[5]) + DAY  # the owner fixes the report and submits it again
    return steps


def filler_expenses(w: World) -> dict[str, np.ndarray]:
    """One small expense per report (a taxi to the rep's own account), so none is empty.

    Rep r's own account is customer r, entered before the window opens (plan_customers).
    """
    rng = w.rng(5)
    reps, months = np.nonzero(w.report_cell >= 0)
    n = len(reps)
    month_start = w.report_months[months]
    lo = np.maximum.reduce(
        [month_start, np.full(n, w.window.start_day), w.cust_sec[reps] // DAY + 1]
    )
    hi = np.minimum(month_end(month_start), w.window.cutoff_day - 1)
    day = np.minimum(lo + (rng.random(n) * np.maximum(hi - lo + 1, 1)).astype(np.int64), hi)
    return {
        "rep": reps,
        "customer": reps,
        "day": day,
        "category": np.where(rng.random(n) < 0.6, "transport", "meals"),
        "amount": np.round(rng.lognormal(np.log(80), 0.5, n), 1),
    }
