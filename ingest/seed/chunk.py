"""One chunk of projects with everything that hangs on them, as Arrow tables.

The story (story.py) fixes what happens to each project and when; this module turns it
into rows: the stage history, the project itself, its team, decision tree, competitors
and partners, quotes and the contract of a won deal, and the issues met on the way.
Activities, expenses and leads come from work.py and leads.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.seed import names
from ingest.seed.columns import DAY, build, date, ints, join, money, number_text, pick, ts
from ingest.seed.context import month_index
from ingest.seed.leads import lead_rows
from ingest.seed.plan import World, categorical, flat_lists, segments, work_time
from ingest.seed.story import Story, draw_story
from ingest.seed.work import (
    customer_activities,
    customer_expenses,
    project_activities,
    project_expenses,
)

THREATS = np.array(["low", "medium", "high"])
ATTITUDES = np.array(["supportive", "neutral", "opposed"])
MEMBER_ROLES = np.array(["presales_engineer", "service_engineer", "project_manager", "sales"])
# Loss categories: base weight, then nudged by what happened (see _loss_reasons).
LOSS_BASE = {
    "price": 1.0,
    "product_fit": 0.6,
    "competitor": 1.0,
    "relationship": 0.6,
    "budget_cancelled": 0.7,
    "no_decision": 0.5,
    "timing": 0.4,
    "other": 0.15,
}
FROM_LEAD = 0.62  # share of projects qualified from a lead rather than entered directly

# Insert order: parents before children (PostgreSQL checks foreign keys during COPY).
TABLE_ORDER = [
    "projects",
    "project_stage_history",
    "project_members",
    "project_contacts",
    "project_competitors",
    "project_partners",
    "quotes",
    "quote_lines",
    "contracts",
    "contract_lines",
    "project_issues",
    "activities",
    "expenses",
    "leads",
]


@dataclass
class Chunk:
    tables: dict[str, pa.Table] = field(default_factory=dict)


def project_chunk(w: World, number: int, lo: int, hi: int) -> Chunk:
    """Projects lo..hi-1 (in creation order) and all their rows."""
    rng = w.rng(10, number)
    s = draw_story(w, rng, lo, hi)
    tables: dict[str, pa.Table] = {}
    loss_reason, loss_note = _loss_reasons(w, rng, s)
    tables["project_stage_history"], versions, updated = _history(w, s, loss_note)
    from_lead = rng.random(s.n) < np.where(s.tender, FROM_LEAD - 0.1, FROM_LEAD + 0.05)
    tables["projects"] = _projects(w, rng, s, loss_reason, loss_note, versions, updated, from_lead)
    tables.update(_links(w, rng, s))
    tables.update(_quotes_and_contract(w, rng, s))
    tables["project_issues"] = _issues(w, rng, s)
    tables["activities"] = pa.concat_tables(
        [project_activities(w, rng, s), customer_activities(w, rng, lo, hi)]
    )
    tables["expenses"] = pa.concat_tables(
        [project_expenses(w, rng, s), customer_expenses(w, rng, number, lo, hi)]
    )
    tables["leads"] = lead_rows(w, rng, s, from_lead, lo, hi)
    return Chunk({name: tables[name] for name in TABLE_ORDER})


def _history(w: World, s: Story, loss_note: pa.Array) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Every change with the project's values right after it, in time order per project."""
    vp, vk, sp = s.visit_project, s.visit_rank, s.visit_stage
    kv = np.flatnonzero(s.visit_kept)
    previous = np.where(vk > 0, sp[np.maximum(np.arange(len(vp)) - 1, 0)], -1)
    vkey = (vp[kv].astype(np.int64) << 33) + s.visit_sec[kv]

    def stage_at(p: np.ndarray, sec: np.ndarray) -> np.ndarray:
        found = np.searchsorted(vkey, (p.astype(np.int64) << 33) + sec, side="right") - 1
        return sp[kv[found]]

    amount_p, close_p, closed_p = (np.flatnonzero(x) for x in (s.has_a, s.has_e, s.closed))
    amount_sec, close_sec = s.a_sec[amount_p], s.e_sec[close_p]
    projects = np.concatenate([vp[kv], amount_p, close_p, closed_p])
    seconds = np.concatenate([s.visit_sec[kv], amount_sec, close_sec, s.close_sec[closed_p]])
    kinds = np.concatenate(
        [
            np.where(vk[kv] == 0, "created", "stage"),
            np.full(len(amount_p), "amount"),
            np.full(len(close_p), "close_date"),
            s.status[closed_p],
        ]
    )
    amount_stage, close_stage = stage_at(amount_p, amount_sec), stage_at(close_p, close_sec)
    to_pos = np.concatenate([sp[kv], amount_stage, close_stage, s.current[closed_p]])
    from_pos = np.concatenate([previous[kv], amount_stage, close_stage, s.current[closed_p]])
    order = np.lexsort((seconds, projects))
    hp, hs, kind = projects[order], seconds[order], kinds[order]
    to_pos, from_pos = to_pos[order], from_pos[order]
    mode = s.mode[hp]
    table = build(
        "project_stage_history",
        {
            "id": w.ids.take("project_stage_history", len(hp)),
            "project_id": s.pid[hp],
            "change_type": kind,
            "from_stage_id": ints(s.stage_ids[mode, np.maximum(from_pos, 0)], from_pos < 0),
            "to_stage_id": np.where(kind == "won", s.won_stage[hp], s.stage_ids[mode, to_pos]),
            "changed_at": hs,
            "changed_by": s.owner[hp],
            "amount": s.amount_at(hp, hs),
            "expected_close_date": s.close_at(hp, hs),
            "status": np.where((kind == "won") | (kind == "lost"), kind, "open"),
            "note": pick(loss_note, hp, kind != "lost"),
        },
        change_seq=w.change_seq,
        created_at=hs,
        created_by=s.owner[hp],
    )
    versions = np.bincount(hp, minlength=s.n)  # each change was one update of the project
    updated = np.maximum.reduceat(hs, np.cumsum(versions) - versions)
    return table, versions, updated


def _projects(w, rng, s, loss_reason, loss_note, versions, updated, from_lead):  # type: ignore[no-untyped-def]
    ref, org = w.ref, w.org
    systems, start, count = flat_lists(
        [names.PROJECT_SYSTEMS.get(code, ["信息化建设"]) for code in ref.industries]
    )
    system = start[s.industry] + (rng.random(s.n) * count[s.industry]).astype(np.int64)
    phase = np.where(rng.random(s.n) < 0.12, "二期", "")
    lost = s.status == "lost"
    return build(
        "projects",
        {
            "id": s.pid,
            "name": join(
                w.cust_name.take(pa.array(s.customer)),
                pick(systems, system),
                pa.array(phase),
                "项目",
            ),
            "customer_id": w.cust_id[s.customer],
            "sales_mode_id": np.array([m.id for m in ref.modes])[s.mode],
            "stage_id": np.where(s.status == "won", s.won_stage, s.stage_ids[s.mode, s.current]),
            "owner_id": s.owner,
            "department_id": org.rep_department[s.rep],
            "industry_id": ref.industry_ids[s.industry],
            "expected_amount": s.amount,
            "expected_close_date": s.expected_close,
            "budget_amount": money(s.budget, ~s.has_budget),
            "status": s.status,
            "loss_reason_id": ints(ref.loss_ids[loss_reason], ~lost),
            "loss_note": pick(loss_note, np.arange(s.n), ~lost),
            "closed_date": date(s.close_day, ~s.closed),
            "version": versions,
        },
        change_seq=w.change_seq,
        created_at=s.created_sec,
        # A project qualified from a lead is created by the manager who assigns it.
        created_by=np.where(from_lead, s.manager, s.owner),
        updated_at=updated,
        updated_by=s.owner,
    )


def _loss_reasons(w: World, rng: np.random.Generator, s: Story) -> tuple[np.ndarray, pa.Array]:
    """A reason for every loss, correlated with what happened to the deal, and a note for
    some (always for "other", which the close-lost command requires)."""
    ref, n = w.ref, s.n
    categories = np.array(ref.loss_categories)
    weight = np.tile(np.array([LOSS_BASE.get(c, 0.3) for c in categories]), (n, 1))
    threat, dm = s.primary_threat, s.dm_attitude
    nudges = {
        "price": 1 + 3 * s.pricey,
        "competitor": np.where(
            s.k_comp == 0, 0.1, np.select([threat == 2, threat == 1], [3.5, 2.0], 1.0)
        ),
        "relationship": np.where((dm == 2) | (dm == -1), 3.0, 1.0),
        "budget_cancelled": np.where(s.lost_at <= 1, 1.8, 0.6),
    }
    for category, factor in nudges.items():
        weight[:, categories == category] *= factor[:, None]
    per_category = {c: (categories == c).sum() for c in set(categories)}
    weight /= np.array([per_category[c] for c in categories])[None, :]
    reason = categorical(rng, weight)
    notes, start, count = flat_lists(
        [names.LOSS_NOTES.get(c, names.LOSS_NOTES["other"]) for c in categories]
    )
    which = start[reason] + (rng.random(n) * count[reason]).astype(np.int64)
    required = np.array([code == "other" for code in ref.loss_codes])[reason]
    has_note = required | (rng.random(n) < 0.35)
    return reason, pick(notes, which, ~has_note)


def _within(rng: np.random.Generator, start: np.ndarray, span: np.ndarray) -> np.ndarray:
    """A moment in [start, start + span) at minute resolution."""
    return start + (rng.random(len(start)) * span).astype(np.int64) // 60 * 60


def _links(w: World, rng: np.random.Generator, s: Story) -> dict[str, pa.Table]:
    org, cat, seq = w.org, w.catalog, w.change_seq
    end_sec = np.where(s.closed, s.close_sec, w.window.cutoff_sec)
    life_sec = np.maximum(end_sec - s.created_sec, 60)

    def soon(p: np.ndarray, days: int) -> np.ndarray:
        return _within(rng, s.created_sec[p], np.minimum(life_sec[p], days * DAY))

    def link_table(
        name: str, p: np.ndarray, columns: dict[str, Any], created_at: np.ndarray
    ) -> pa.Table:
        """Rows hanging on the projects `p` (one row each), entered by the project's owner."""
        return build(
            name,
            {"id": w.ids.take(name, len(p)), "project_id": s.pid[p], **columns},
            change_seq=seq,
            created_at=created_at,
            created_by=s.owner[p],
        )

    # Team: colleagues of the owner's department, never the owner, never twice.
    size = org.team_size[s.rep]
    k = np.minimum(rng.choice(3, s.n, p=[0.55, 0.33, 0.12]), size - 1)
    mp, rank, _ = segments(k)
    others = np.maximum(size - 1, 1)
    first = 1 + (rng.random(s.n) * others).astype(np.int64)
    second = 1 + (first + (rng.random(s.n) * np.maximum(size - 2, 1)).astype(np.int64)) % others
    offset = np.where(rank == 0, first[mp], second[mp])
    position = (org.rep_team_pos[s.rep[mp]] + offset) % size[mp]
    tables = {
        "project_members": link_table(
            "project_members",
            mp,
            {
                "user_id": org.team_flat[org.team_start[s.rep[mp]] + position],
                "member_role": MEMBER_ROLES[
                    categorical(rng, np.tile([0.5, 0.2, 0.2, 0.1], (len(mp), 1)))
                ],
            },
            soon(mp, 20),
        )
    }
    tp = s.tree_project
    contact_entered = w.cust_sec[s.customer[tp]] + 480 * 60
    tables["project_contacts"] = link_table(
        "project_contacts",
        tp,
        {
            "contact_id": s.tree_contact,
            "decision_role": s.tree_role,
            "attitude": ATTITUDES[s.tree_attitude],
        },
        np.maximum(soon(tp, 30), contact_entered),
    )
    cp = s.comp_project
    tables["project_competitors"] = link_table(
        "project_competitors",
        cp,
        {
            "competitor_id": cat.competitor_ids[s.comp_index],
            "threat_level": THREATS[s.comp_threat],
            "is_primary": s.comp_primary,
            "quoted_amount": money(s.comp_quote, ~s.comp_quote_known),
        },
        soon(cp, 45),
    )
    pp = s.part_project
    tables["project_partners"] = link_table(
        "project_partners",
        pp,
        {
            "partner_id": cat.partner_ids[s.part_index],
            "partner_role": np.array(cat.partner_types)[s.part_index],
        },
        soon(pp, 45),
    )
    return tables


def _first_per_group(group: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted `group` labels: each group's first row among `candidates`."""
    idx = np.flatnonzero(candidates)
    labels, first = np.unique(group[idx], return_index=True)
    return labels, idx[first]


def _quotes_and_contract(w: World, rng: np.random.Generator, s: Story) -> dict[str, pa.Table]:
    """A quote when the project reaches its mode's quoting stage, sometimes a revised one in
    negotiation; a won project's contract is generated from its accepted (last) quote."""
    cat, seq, cutoff_day = w.catalog, w.change_seq, w.window.cutoff_day
    vp, sp, kept = s.visit_project, s.visit_stage, s.visit_kept
    q1_proj, q1_visit = _first_per_group(vp, kept & (sp >= s.quote_pos[vp]))
    negotiation = kept & (sp == s.n_stages[vp] - 1) & (sp > s.quote_pos[vp])
    q2_proj, q2_visit = _first_per_group(vp, negotiation)
    again = rng.random(len(q2_proj)) < 0.45
    q2_proj, q2_visit = q2_proj[again], q2_visit[again]
    qp = np.concatenate([q1_proj, q2_proj])
    visit = np.concatenate([q1_visit, q2_visit])
    q_day = np.minimum(s.visit_day[visit] + rng.integers(0, 4, len(qp)), s.end_day[qp] - 1)
    q_sec = np.maximum(work_time(rng, q_day), s.visit_sec[visit])
    revision = np.arange(len(qp)) >= len(q1_proj)
    order = np.lexsort((q_sec, qp))
    qp, q_day, q_sec, revision = qp[order], q_day[order], q_sec[order], revision[order]
    n = len(qp)
    quote_ids = w.ids.take("quotes", n)
    is_last = np.ones(n, dtype=bool)
    is_last[:-1] = qp[:-1] != qp[1:]
    status = s.status[qp]
    target = s.amount_at(qp, q_sec) * np.where(revision, rng.uniform(0.9, 0.98, n), 1.0)
    lines = quote_lines(rng, target, cat.product_prices, cat.product_categories)
    totals = np.bincount(lines["quote"], weights=lines["amount"], minlength=n)
    validity = q_day + rng.choice([30, 60, 90], n)
    outstanding = is_last & (status == "open")
    day_text = pc.replace_substring(pc.cast(date(q_day), pa.string()), "-", "")
    tables = {
        "quotes": build(
            "quotes",
            {
                "id": quote_ids,
                "project_id": s.pid[qp],
                "quote_no": join("BJ", day_text, "-", number_text(quote_ids, 6)),
                "quote_date": q_day,
                # Only a quote still out with the customer may be valid beyond as_of.
                "valid_until": np.where(
                    outstanding, validity, np.minimum(validity, cutoff_day - 1)
                ),
                "status": np.where(
                    is_last,
                    np.select(
                        [status == "won", status == "lost", q_day >= cutoff_day - 3],
                        ["accepted", "rejected", "draft"],
                        "sent",
                    ),
                    "rejected",  # superseded by the revised quote
                ),
                "total_amount": totals,
            },
            change_seq=seq,
            created_at=q_sec,
            created_by=s.owner[qp],
            updated_at=np.where(
                is_last, np.where(s.closed[qp], s.close_sec[qp], q_sec), np.append(q_sec[1:], 0)
            ),
        )
    }
    lq = lines["quote"]
    tables["quote_lines"] = build(
        "quote_lines",
        {
            "id": w.ids.take("quote_lines", len(lq)),
            "quote_id": quote_ids[lq],
            "product_id": cat.product_ids[lines["product"]],
            "quantity": lines["quantity"],
            "unit_price": lines["unit_price"],
            "discount_rate": lines["discount"],
            "line_amount": lines["amount"],
        },
        change_seq=seq,
        created_at=q_sec[lq],
        created_by=s.owner[qp[lq]],
    )
    accepted = np.flatnonzero(is_last & (status == "won"))
    cp = qp[accepted]
    contract_ids = w.ids.take("contracts", len(accepted))
    signed_month = pc.replace_substring(
        pc.utf8_slice_codeunits(pc.cast(date(s.close_day[cp]), pa.string()), 0, 7), "-", ""
    )
    tables["contracts"] = build(
        "contracts",
        {
            "id": contract_ids,
            "project_id": s.pid[cp],
            "customer_id": w.cust_id[s.customer[cp]],
            "owner_id": s.owner[cp],
            "contract_no": join("HT", signed_month, number_text(s.pid[cp], 6)),
            "signed_date": s.close_day[cp],
            "amount": totals[accepted],
        },
        change_seq=seq,
        created_at=s.close_sec[cp],
        created_by=s.owner[cp],
    )
    contract_of = np.full(n, -1, dtype=np.int64)
    contract_of[accepted] = np.arange(len(accepted))
    cl = np.flatnonzero(contract_of[lq] >= 0)
    which = contract_of[lq[cl]]
    tables["contract_lines"] = build(
        "contract_lines",
        {
            "id": w.ids.take("contract_lines", len(cl)),
            "contract_id": contract_ids[which],
            "product_id": cat.product_ids[lines["product"][cl]],
            "quantity": lines["quantity"][cl],
            "unit_price": lines["unit_price"][cl],
            "line_amount": lines["amount"][cl],
        },
        change_seq=seq,
        created_at=s.close_sec[cp[which]],
        created_by=s.owner[cp[which]],
    )
    _record_won(w, s.rep[cp], s.close_day[cp], totals[accepted])
    return tables


def quote_lines(rng, target, prices, categories):  # type: ignore[no-untyped-def]
    """Lines that add up to `target` per quote: a main product (server or software) that
    fits the deal's size, then optional services, integration and spare parts at about
    list price. The main line's unit price is the negotiated project price that makes the
    sum; extras that would eat more than half of a small deal are left out."""
    n = len(target)
    cats = np.array(categories)
    slots = [
        np.flatnonzero((cats == "server") | (cats == "software")),
        np.flatnonzero(cats == "service"),
        np.flatnonzero(cats == "integration"),
        np.flatnonzero(cats == "spare_part"),
    ]
    if slots[0].size == 0:
        slots[0] = np.arange(len(prices))
    present = np.column_stack(
        [np.ones(n, bool), rng.random(n) < 0.7, rng.random(n) < 0.4, rng.random(n) < 0.3]
    )
    for i, slot in enumerate(slots):
        present[:, i] &= slot.size > 0 or i == 0
    share = np.array([0.6, 0.2, 0.15, 0.05])[None, :] * present
    share /= share.sum(axis=1, keepdims=True)
    quote, slot = np.nonzero(present)
    product = np.zeros(len(quote), dtype=np.int64)
    main = slot == 0
    fits = np.where(prices[slots[0]][None, :] <= target[quote[main], None], 1.0, 0.05)
    product[main] = slots[0][categorical(rng, fits)]
    for i in (1, 2, 3):
        rows = slot == i
        if slots[i].size:
            product[rows] = slots[i][rng.integers(0, slots[i].size, rows.sum())]
    unit = np.maximum(np.round(prices[product] * rng.uniform(0.95, 1.05, len(quote)), -2), 100)
    discount = rng.choice([0.0, 0.05, 0.08, 0.1, 0.15, 0.2], len(quote))
    quantity = np.clip(
        np.round(share[quote, slot] * target[quote] / (unit * (1 - discount))), 1, 100_000
    )
    amount = np.round(quantity * unit * (1 - discount), 2)
    extras = np.bincount(quote, weights=np.where(main, 0.0, amount), minlength=n)
    keep = main | (extras[quote] <= 0.5 * target[quote])
    quote, product, main = quote[keep], product[keep], main[keep]
    unit, discount, quantity, amount = unit[keep], discount[keep], quantity[keep], amount[keep]
    extras = np.bincount(quote, weights=np.where(main, 0.0, amount), minlength=n)
    rest = target[quote[main]] - extras[quote[main]]
    unit[main] = np.maximum(np.round(rest / (quantity[main] * (1 - discount[main])), -1), 10)
    return {
        "quote": quote,
        "product": product,
        "quantity": quantity.astype(np.int64),
        "unit_price": unit,
        "discount": discount,
        "amount": np.round(quantity * unit * (1 - discount), 2),
    }


def _record_won(w: World, rep: np.ndarray, day: np.ndarray, amount: np.ndarray) -> None:
    """Won amounts per rep and month, which the targets are later set against."""
    m = month_index(day, w.target_months)
    ok = (m >= 0) & (m < w.won_by_rep.shape[1])
    np.add.at(w.won_by_rep, (rep[ok], m[ok]), amount[ok])


def _issues(w: World, rng: np.random.Generator, s: Story) -> pa.Table:
    """Problems met on the way (遇到的问题); most are resolved, nearly all once closed."""
    cutoff = w.window.cutoff_sec
    k = rng.choice(3, s.n, p=[0.72, 0.22, 0.06])
    ip, _, _ = segments(k)
    end_sec = np.where(s.closed, s.close_sec, cutoff)
    raised = _within(rng, s.created_sec[ip], np.maximum(end_sec[ip] - s.created_sec[ip], 60))
    resolved_at = raised + rng.integers(3, 40, len(ip)) * DAY
    resolved = (resolved_at < cutoff) & (rng.random(len(ip)) < np.where(s.closed[ip], 0.9, 0.55))
    issue = rng.integers(0, len(names.ISSUES), len(ip))
    resolution = rng.integers(0, len(names.ISSUE_RESOLUTIONS), len(ip))
    severity = categorical(rng, np.tile([0.3, 0.5, 0.2], (len(ip), 1)))
    return build(
        "project_issues",
        {
            "id": w.ids.take("project_issues", len(ip)),
            "project_id": s.pid[ip],
            "title": pick([t for t, _ in names.ISSUES], issue),
            "description": join("问题类别:", pick([c for _, c in names.ISSUES], issue)),
            "severity": np.array(["low", "medium", "high"])[severity],
            "status": np.where(resolved, "resolved", "open"),
            "resolution": pick(names.ISSUE_RESOLUTIONS, resolution, ~resolved),
            "resolved_at": ts(resolved_at, ~resolved),
        },
        change_seq=w.change_seq,
        created_at=raised,
        created_by=s.owner[ip],
        updated_at=np.where(resolved, resolved_at, raised),
    )
