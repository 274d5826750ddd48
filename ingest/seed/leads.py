"""Leads (销售线索): the qualified lead behind most projects, and the many that went nowhere.

Each source has its own share of leads and its own conversion rate (a key-account visit
converts far more often than a web search). For every qualified lead of a source in the
chunk, Poisson((1 - rate) / rate) others of that source are rejected with a reason — or,
when recent, still wait as 'new' for a manager's decision.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.seed import names
from ingest.seed.columns import DAY, build, ints, pick, ts
from ingest.seed.plan import World, mobile, person_names, work_time
from ingest.seed.story import Story
from ingest.seed.work import chunk_days, customers_before

# source code -> (share of all leads, chance a lead is qualified into a project)
SOURCES = {
    "phone_inquiry": (0.22, 0.25),
    "industry_news": (0.14, 0.18),
    "colleague_referral": (0.12, 0.45),
    "key_account_visit": (0.16, 0.60),
    "design_institute": (0.14, 0.50),
    "web_search": (0.14, 0.12),
    "other": (0.08, 0.20),
}
PENDING_DAYS = 45  # leads younger than this are often still undecided


def lead_rows(
    w: World, rng: np.random.Generator, s: Story, from_lead: np.ndarray, lo: int, hi: int
) -> pa.Table:
    ref, org, window = w.ref, w.org, w.window
    volume = np.array([SOURCES.get(c, (0.05, 0.2))[0] for c in ref.sources])
    rate = np.array([SOURCES.get(c, (0.05, 0.2))[1] for c in ref.sources])

    # Qualified: captured up to three weeks before the project it became.
    q = np.flatnonzero(from_lead)
    nq = len(q)
    q_source = rng.choice(len(rate), nq, p=volume * rate / (volume * rate).sum())
    q_created = s.created_sec[q] - rng.integers(1, 22, nq) * DAY - rng.integers(0, 600, nq) * 60
    q_created = np.minimum(q_created, s.created_sec[q] - 3600)
    q_customer = s.customer[q]
    q_contact = w.contact_first[q_customer] - w.contact_first[0]

    # The rest of each source's leads over the chunk's days.
    others = rng.poisson(np.bincount(q_source, minlength=len(rate)) * (1 - rate) / rate)
    nu = int(others.sum())
    u_source = np.repeat(np.arange(len(rate)), others)
    first, last = chunk_days(w, lo, hi)
    u_day = rng.integers(first, last, nu)
    u_created = work_time(rng, u_day)
    u_rep = rng.integers(0, len(org.rep_ids), nu)
    u_region = np.maximum(org.rep_region[u_rep], 0)
    u_industry = rng.integers(0, len(ref.industries), nu)
    u_customer = customers_before(w, rng, u_day)
    known = rng.random(nu) < 0.35  # about an existing customer
    decided = np.minimum(u_created + rng.integers(1, 21, nu) * DAY, window.cutoff_sec - 60)
    young = window.cutoff_day - u_day < PENDING_DAYS
    rejected = np.where(young, rng.random(nu) < 0.25, rng.random(nu) < 0.97)
    rejected &= decided < window.cutoff_sec - 60
    u_contact, _ = person_names(rng, nu)
    company = pc.if_else(
        pa.array(known),
        w.cust_name.take(pa.array(u_customer)),
        _company_names(w, rng, u_region, u_industry),
    )

    created = np.concatenate([q_created, u_created])
    order = np.argsort(created, kind="stable")
    take = pa.array(order)
    qualified = (np.arange(nq + nu) < nq)[order]
    reject = np.concatenate([np.zeros(nq, bool), rejected])[order]
    rep = np.concatenate([s.rep[q], u_rep])[order]
    customer = np.concatenate([q_customer, u_customer])[order]
    has_customer = np.concatenate([np.ones(nq, bool), known])[order]
    decided_at = np.concatenate([s.created_sec[q], decided])[order]
    status = np.select([qualified, reject], ["qualified", "rejected"], "new")
    is_decided = status != "new"
    owner = org.rep_ids[rep]
    manager = org.rep_manager[rep]
    n = nq + nu
    return build(
        "leads",
        {
            "id": w.ids.take("leads", n),
            "company_name": pa.concat_arrays(
                [w.cust_name.take(pa.array(q_customer)), company]
            ).take(take),
            "contact_name": pa.concat_arrays(
                [w.contact_name.take(pa.array(q_contact)), u_contact]
            ).take(take),
            "phone": pa.concat_arrays(
                [w.contact_phone.take(pa.array(q_contact)), mobile(rng, nu)]
            ).take(take),
            "source_id": ref.source_ids[np.concatenate([q_source, u_source])[order]],
            "customer_id": ints(w.cust_id[customer], ~has_customer),
            "owner_id": owner,
            "industry_id": ref.industry_ids[
                np.concatenate([w.cust_industry[q_customer], u_industry])[order]
            ],
            "region_id": ref.region_ids[
                np.concatenate([w.cust_region[q_customer], u_region])[order]
            ],
            "description": pick(
                names.LEAD_DESCRIPTIONS, rng.integers(0, len(names.LEAD_DESCRIPTIONS), n)
            ),
            "status": status,
            "reject_reason": pick(
                names.REJECT_REASONS, rng.integers(0, len(names.REJECT_REASONS), n), ~reject
            ),
            "decided_at": ts(decided_at, ~is_decided),
            "decided_by": ints(manager, ~is_decided),
            "converted_project_id": ints(
                np.concatenate([s.pid[q], np.zeros(nu, np.int64)])[order], ~qualified
            ),
        },
        change_seq=w.change_seq,
        created_at=created[order],
        created_by=owner,
        updated_at=np.where(is_decided, decided_at, created[order]),
        updated_by=np.where(is_decided, manager, owner),
    )


def _company_names(
    w: World, rng: np.random.Generator, region: np.ndarray, industry: np.ndarray
) -> pa.Array:
    """Names of companies that are not (yet) customers: end users in the lead's region."""
    cities, city_region = w.cities
    by_region = [np.flatnonzero(city_region == r) for r in range(len(w.ref.regions))]
    count = np.array([max(len(c), 1) for c in by_region])
    start = np.cumsum(count) - count
    flat = np.concatenate([c if len(c) else np.array([0]) for c in by_region])
    n = len(region)
    city = flat[start[region] + (rng.random(n) * count[region]).astype(np.int64)]
    brand = rng.integers(0, len(names.BRANDS), n)
    patterns = [
        names.COMPANY_PATTERNS.get(code, {}).get("end_user", ["{c}{b}有限公司"])
        for code in w.ref.industries
    ]
    pattern = (rng.random(n) * np.array([len(p) for p in patterns])[industry]).astype(np.int64)
    return pa.array(
        [
            patterns[i][p].format(c=cities[c], b=names.BRANDS[b])
            for i, p, c, b in zip(industry, pattern, city, brand, strict=True)
        ],
        type=pa.string(),
    )
