"""The story of each project in a chunk, drawn before any row is built.

1. Terms: amount, expense budget, competitors (one primary, with a threat level and
   sometimes their quote), partners, and the decision tree on the customer's contacts.
2. Outcome: won or lost, with log-odds moved by competitor threat, price against the
   primary competitor's quote, customer type, industry, partners, the decision maker's
   attitude, deal size and the rep; a lost deal dies at some stage, later when a strong
   or cheaper competitor is in play.
3. Timeline: the path through the mode's stages (sometimes one is skipped, sometimes the
   deal slips back a stage and re-advances) with lognormal days per stage; closes are
   pushed to quarter and year ends. The cut-off then truncates the story: what had not
   happened by `as_of` leaves the project open in the stage it had reached.
4. Forecast changes: a revised amount, a revised expected close date.

Every array is per project (length n) unless it belongs to a link (`comp_*`, `part_*`,
`tree_*`, indexed by their `*_project`) or a stage visit (`visit_*`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.seed.columns import DAY
from ingest.seed.context import month_end, month_of, quarter_end
from ingest.seed.plan import World, categorical, segments, work_time

MAX_PROJECT_AMOUNT = 2_000_000_000.0  # well inside base.MAX_AMOUNT, quotes included
MIN_PROJECT_AMOUNT = 20_000.0
AMOUNT_MEDIAN = {"si_supply": 600_000.0, "project_type": 2_500_000.0}
STAGE_DAYS = {"si_supply": [14, 21, 18, 21, 25], "project_type": [45, 40, 30, 35, 25]}
INDUSTRY_AMOUNT = {
    "power": 1.3,
    "petrochemical": 1.5,
    "metallurgy": 1.2,
    "rail_transit": 1.6,
    "water": 0.8,
    "government": 1.0,
    "manufacturing": 0.7,
    "healthcare": 0.6,
    "finance": 1.1,
    "education": 0.5,
}
TYPE_AMOUNT = {"design_institute": 1.3, "si_customer": 0.8}
# Effects on the log-odds of winning.
INDUSTRY_WIN = {
    "power": 0.3,
    "petrochemical": 0.2,
    "metallurgy": 0.1,
    "rail_transit": 0.15,
    "government": -0.1,
    "healthcare": -0.2,
    "finance": -0.3,
    "education": -0.25,
}
TYPE_WIN = {"design_institute": -0.25, "end_user": 0.15}
ROLES_AFTER_FIRST = np.array(["technical_evaluator", "influencer", "user", "gatekeeper"])
PRICEY, CHEAP = 1.08, 0.97  # our amount against the primary competitor's quote


def round_amount(x: np.ndarray) -> np.ndarray:
    """Reps estimate in round numbers: thousands, ten-thousands above a million."""
    x = np.clip(x, MIN_PROJECT_AMOUNT, MAX_PROJECT_AMOUNT)
    return np.where(x >= 1_000_000, np.round(x, -4), np.round(x, -3))


def lookup(codes: list[str], table: dict[str, float], default: float) -> np.ndarray:
    return np.array([table.get(code, default) for code in codes], dtype=np.float64)


@dataclass
class Story:
    # who and what
    pid: np.ndarray
    customer: np.ndarray  # customer index
    rep: np.ndarray  # rep index
    owner: np.ndarray  # user id
    manager: np.ndarray  # user id of the owner's manager
    mode: np.ndarray  # index into ref.modes
    tender: np.ndarray  # project-type (tender) mode
    industry: np.ndarray
    created_sec: np.ndarray
    created_day: np.ndarray
    stage_ids: np.ndarray  # modes x stage position -> stage id
    n_stages: np.ndarray
    won_stage: np.ndarray
    quote_pos: np.ndarray
    # terms
    a0: np.ndarray
    budget: np.ndarray
    has_budget: np.ndarray
    comp_project: np.ndarray
    comp_index: np.ndarray
    comp_primary: np.ndarray
    comp_threat: np.ndarray  # 0 low, 1 medium, 2 high
    comp_quote: np.ndarray
    comp_quote_known: np.ndarray
    part_project: np.ndarray
    part_index: np.ndarray
    tree_project: np.ndarray
    tree_contact: np.ndarray
    tree_role: np.ndarray
    tree_attitude: np.ndarray  # 0 supportive, 1 neutral, 2 opposed
    k_comp: np.ndarray
    primary_threat: np.ndarray  # -1: no competitor
    pricey: np.ndarray
    dm_attitude: np.ndarray  # -1: no decision maker mapped
    # outcome and timeline
    won: np.ndarray
    lost_at: np.ndarray
    visit_project: np.ndarray
    visit_rank: np.ndarray
    visit_start: np.ndarray  # first visit index per project
    visit_stage: np.ndarray  # stage position
    visit_day: np.ndarray
    visit_sec: np.ndarray
    visit_kept: np.ndarray  # happened before the cut-off
    close_day: np.ndarray
    close_sec: np.ndarray
    closed: np.ndarray
    status: np.ndarray
    current: np.ndarray  # stage position reached (before any won stage)
    end_day: np.ndarray  # the life so far ends here (close day or cut-off), exclusive
    # forecast changes
    has_a: np.ndarray
    a_sec: np.ndarray
    a1: np.ndarray
    e0: np.ndarray
    has_e: np.ndarray
    e_sec: np.ndarray
    e1: np.ndarray

    @property
    def n(self) -> int:
        return len(self.pid)

    @property
    def life(self) -> np.ndarray:
        return self.end_day - self.created_day

    @property
    def amount(self) -> np.ndarray:
        return np.where(self.has_a, self.a1, self.a0)

    @property
    def expected_close(self) -> np.ndarray:
        return np.where(self.has_e, self.e1, self.e0)

    def amount_at(self, p: np.ndarray, sec: np.ndarray) -> np.ndarray:
        return np.where(self.has_a[p] & (sec >= self.a_sec[p]), self.a1[p], self.a0[p])

    def close_at(self, p: np.ndarray, sec: np.ndarray) -> np.ndarray:
        return np.where(self.has_e[p] & (sec >= self.e_sec[p]), self.e1[p], self.e0[p])


def draw_story(w: World, rng: np.random.Generator, lo: int, hi: int) -> Story:
    ref, org = w.ref, w.org
    n = hi - lo
    customer, rep, mode = w.proj_customer[lo:hi], w.proj_owner[lo:hi], w.proj_mode[lo:hi]
    modes = ref.modes
    width = max(len(m.stage_ids) for m in modes)
    stage_ids = np.zeros((len(modes), width), dtype=np.int64)
    for i, m in enumerate(modes):
        stage_ids[i, : len(m.stage_ids)] = m.stage_ids
        stage_ids[i, len(m.stage_ids) :] = m.stage_ids[-1]
    n_stages = np.array([len(m.stage_ids) for m in modes])[mode]
    created_sec = w.proj_sec[lo:hi]
    fields: dict = {
        "pid": w.proj_first_id + np.arange(lo, hi, dtype=np.int64),
        "customer": customer,
        "rep": rep,
        "owner": org.rep_ids[rep],
        "manager": org.rep_manager[rep],
        "mode": mode,
        "tender": np.array([m.code == "project_type" for m in modes])[mode],
        "industry": w.cust_industry[customer],
        "created_sec": created_sec,
        "created_day": created_sec // DAY,
        "stage_ids": stage_ids,
        "n_stages": n_stages,
        "won_stage": np.array([m.won_stage_id for m in modes])[mode],
        "quote_pos": np.minimum(np.array([m.quote_pos for m in modes])[mode], n_stages - 1),
    }
    _terms(w, rng, n, fields)
    _outcome(w, rng, n, fields)
    _timeline(w, rng, n, fields)
    _forecast(rng, n, fields)
    return Story(**fields)


def _terms(w: World, rng: np.random.Generator, n: int, f: dict) -> None:
    ref, cat = w.ref, w.catalog
    ctype = w.cust_type[f["customer"]]
    mode_codes = [m.code for m in ref.modes]
    a0 = round_amount(
        np.array([AMOUNT_MEDIAN.get(c, 1e6) for c in mode_codes])[f["mode"]]
        * lookup(ref.industries, INDUSTRY_AMOUNT, 1.0)[f["industry"]]
        * lookup(ref.customer_types, TYPE_AMOUNT, 1.0)[ctype]
        * rng.lognormal(0.0, 0.9, n)
    )
    f["a0"] = a0
    # The sales-expense budget (资源管理: 费用预算), a small share of the deal.
    f["has_budget"] = rng.random(n) < 0.8
    f["budget"] = np.round(np.clip(a0 * rng.uniform(0.002, 0.008, n), 3_000, 500_000), -3)

    n_comp = len(cat.competitor_ids)
    k_comp = rng.choice(4, n, p=[0.22, 0.40, 0.28, 0.10])
    k_comp = np.minimum(k_comp + ((a0 > 5e6) & (rng.random(n) < 0.3)), min(3, n_comp))
    # Gumbel top-k: k distinct competitors per project, the strong ones met more often.
    keys = np.log(cat.competitor_weights)[None, :] + rng.gumbel(size=(n, n_comp))
    order = np.argsort(-keys, axis=1)
    cp, rank, _ = segments(k_comp)
    primary = rank == 0
    threat = categorical(rng, np.where(primary[:, None], [[0.2, 0.45, 0.35]], [[0.4, 0.45, 0.15]]))
    known = rng.random(len(cp)) < 0.55
    quote = np.round(a0[cp] * rng.lognormal(-0.03, 0.15, len(cp)), -3)
    primary_threat = np.full(n, -1)
    primary_threat[cp[primary]] = threat[primary]
    primary_quote = np.full(n, np.nan)
    primary_quote[cp[primary & known]] = quote[primary & known]
    with np.errstate(invalid="ignore"):
        ratio = a0 / primary_quote  # NaN where the competitor's price is unknown
    f.update(
        comp_project=cp,
        comp_index=order[cp, rank],
        comp_primary=primary,
        comp_threat=threat,
        comp_quote=quote,
        comp_quote_known=known,
        k_comp=k_comp,
        primary_threat=primary_threat,
        pricey=ratio > PRICEY,
        cheap=ratio < CHEAP,
    )

    n_part = len(cat.partner_ids)
    k_part = np.minimum(rng.choice(3, n, p=[0.62, 0.30, 0.08]), n_part)
    pp, prank, _ = segments(k_part)
    f["part_project"] = pp
    f["part_index"] = np.argsort(rng.random((n, n_part)), axis=1)[pp, prank]

    n_contacts = w.contact_count[f["customer"]]
    k_tree = np.minimum(rng.choice(4, n, p=[0.08, 0.32, 0.37, 0.23]), n_contacts)
    tp, trank, _ = segments(k_tree)
    offset = (rng.random(n) * n_contacts).astype(np.int64)
    first = w.contact_first[f["customer"][tp]]
    decision_maker = (trank == 0) & (rng.random(len(tp)) < 0.72)
    attitude = categorical(rng, np.tile([0.45, 0.40, 0.15], (len(tp), 1)))
    dm_attitude = np.full(n, -1)
    dm_attitude[tp[decision_maker]] = attitude[decision_maker]
    f.update(
        tree_project=tp,
        tree_contact=first + (offset[tp] + trank) % n_contacts[tp],
        tree_role=np.where(
            trank == 0,
            np.where(decision_maker, "decision_maker", "influencer"),
            ROLES_AFTER_FIRST[categorical(rng, np.tile([0.4, 0.3, 0.2, 0.1], (len(tp), 1)))],
        ),
        tree_attitude=attitude,
        dm_attitude=dm_attitude,
        has_partner=k_part > 0,
    )


def _outcome(w: World, rng: np.random.Generator, n: int, f: dict) -> None:
    ref = w.ref
    ctype = w.cust_type[f["customer"]]
    threat, dm = f["primary_threat"], f["dm_attitude"]
    logit = (
        -0.35
        + np.where(f["k_comp"] == 0, 0.5, 0.0)
        + np.select([threat == 2, threat == 1], [-0.9, -0.35], 0.0)
        + np.select([f["pricey"], f.pop("cheap")], [-0.8, 0.35], 0.0)
        + lookup(ref.customer_types, TYPE_WIN, 0.0)[ctype]
        + lookup(ref.industries, INDUSTRY_WIN, 0.0)[f["industry"]]
        + np.where(f.pop("has_partner"), 0.3, 0.0)
        + np.select([dm == 0, dm == 2, dm == -1], [0.6, -0.8, -0.3], 0.0)
        + np.where(f["tender"], -0.15, 0.0)
        - 0.15 * np.log10(f["a0"] / 1e6)
        + w.org.rep_skill[f["rep"]]
    )
    f["won"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    width = f["stage_ids"].shape[1]
    position = np.arange(width)[None, :]
    weight = np.tile(0.65 ** position[0], (n, 1))
    weight[position >= f["n_stages"][:, None]] = 0
    late = position >= (f["n_stages"] - 2)[:, None]
    strong = ((threat == 2) | f["pricey"])[:, None]
    f["lost_at"] = categorical(rng, np.where(late & strong, weight * 1.8, weight))


def _timeline(w: World, rng: np.random.Generator, n: int, f: dict) -> None:
    window = w.window
    won, mode = f["won"], f["mode"]
    width = f["stage_ids"].shape[1]
    stage_days = _stage_days(w, width)
    reached = np.where(won, f["n_stages"], f["lost_at"] + 1)  # stages visited
    skip = (reached >= 4) & (rng.random(n) < np.where(won, 0.3, 0.1))
    skipped = np.where(skip, 1 + (rng.random(n) * (reached - 2)).astype(np.int64), 10_000)
    base = reached - skip
    slip = (base >= 2) & (rng.random(n) < 0.10)
    slip_at = 1 + (rng.random(n) * (base - 1)).astype(np.int64)
    visits = base + 2 * slip  # a slip adds the step back and the step forward again
    vp, vk, vstart = segments(visits)
    at, slipping = slip_at[vp], slip[vp]
    b = np.select([~slipping | (vk <= at), vk == at + 1, vk == at + 2], [vk, at - 1, at], vk - 2)
    stage = np.where(b < skipped[vp], b, b + 1)
    back = slipping & (vk == at + 1)
    pace = rng.lognormal(0.0, 0.3, n) * (f["a0"] / 1e6) ** 0.1
    last = vk == visits[vp] - 1
    stall = np.where(last & ~won[vp], 1.4, 1.0) * np.where(back, 0.6, 1.0)
    days = stage_days[mode[vp], stage] * pace[vp] * rng.lognormal(0.0, 0.6, len(vp)) * stall
    dur = np.clip(np.ceil(days), 1, 365).astype(np.int64)
    exclusive = np.cumsum(dur) - dur
    c_day, c_sec = f["created_day"], f["created_sec"]
    v_day = c_day[vp] + exclusive - exclusive[vstart[vp]]
    v_sec = np.where(vk == 0, c_sec[vp], work_time(rng, v_day))
    close_day = c_day + np.add.reduceat(dur, vstart)
    # Deals are pushed to the quarter's (and more so the year's) last weeks.
    q_end = quarter_end(close_day)
    push = rng.random(n) < np.where(won, 0.45, 0.25) + np.where(month_of(q_end) == 12, 0.1, 0.0)
    pushed = q_end - rng.integers(0, 15, n)
    close_day = np.where(push & (pushed > close_day), pushed, close_day)
    closed = close_day < window.cutoff_day
    kept = v_sec < window.cutoff_sec
    last_kept = vstart + np.bincount(vp[kept], minlength=n) - 1
    f.update(
        visit_project=vp,
        visit_rank=vk,
        visit_start=vstart,
        visit_stage=stage,
        visit_day=v_day,
        visit_sec=v_sec,
        visit_kept=kept,
        close_day=close_day,
        close_sec=work_time(rng, close_day),
        closed=closed,
        status=np.where(closed, np.where(won, "won", "lost"), "open"),
        current=stage[last_kept],
        end_day=np.where(closed, close_day, window.cutoff_day),
    )
    f["planned_days"] = stage_days[mode].sum(axis=1) * pace


def _stage_days(w: World, width: int) -> np.ndarray:
    """Median days per stage position, per mode (25 for stages an admin added)."""
    rows = []
    for m in w.ref.modes:
        known = STAGE_DAYS.get(m.code, [])
        rows.append([known[k] if k < len(known) else 25 for k in range(width)])
    return np.array(rows, dtype=np.float64)


def _forecast(rng: np.random.Generator, n: int, f: dict) -> None:
    """The rep's first close-date estimate is optimistic and often a month end; some
    projects later get a revised amount or a revised, more realistic close date."""
    c_day = f["created_day"]
    life = f["end_day"] - c_day
    planned = f.pop("planned_days")
    e0 = c_day + np.maximum(14, (planned * rng.uniform(0.65, 1.05, n)).astype(np.int64))
    f["e0"] = np.where(rng.random(n) < 0.5, month_end(e0), e0)
    f["has_a"] = (rng.random(n) < 0.12) & (life >= 2)
    f["a_sec"] = work_time(rng, c_day + 1 + (rng.random(n) * (life - 1)).astype(np.int64))
    f["a1"] = round_amount(f["a0"] * rng.lognormal(-0.05, 0.25, n))
    f["has_e"] = (rng.random(n) < 0.20) & (life >= 2)
    e_day = c_day + 1 + (rng.random(n) * (life - 1)).astype(np.int64)
    f["e_sec"] = work_time(rng, e_day)
    slip = np.round(rng.normal(0, 12, n)).astype(np.int64)
    f["e1"] = np.maximum(f["close_day"] + slip, e_day + 1)
