"""The skeleton of the seeded world, drawn before any project chunk: customers and their
contacts, and when each project starts, for which customer, owner and sales mode.

Everything is vectorised with numpy. Ids are assigned in time order, so a table's id order
is the order in which its rows were entered, as in a store that grew by use. `World` holds
what every chunk needs; the shared helpers (`work_time`, `categorical`, `segments`) are
the building blocks of the vectorised generation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ingest.seed import names
from ingest.seed.columns import DAY, build, join, number_text, pick
from ingest.seed.context import Ref, Window, month_index
from ingest.seed.org import INDUSTRY_WEIGHTS, Catalog, Org, weights
from ingest.seed.profiles import Profile

# Local (Beijing) office hours 08:30-19:00 are 00:30-11:00 UTC; times are stored in UTC.
WORK_START = 30 * 60
WORK_MINUTES = 630

# Customer type shares per industry: (design institute, SI customer); the rest end users.
TYPE_SHARES = {
    "power": (0.18, 0.18),
    "petrochemical": (0.15, 0.18),
    "metallurgy": (0.12, 0.15),
    "rail_transit": (0.15, 0.20),
    "water": (0.12, 0.15),
    "government": (0.06, 0.20),
    "manufacturing": (0.06, 0.20),
    "healthcare": (0.0, 0.22),
    "finance": (0.0, 0.25),
    "education": (0.0, 0.22),
}
# Chance that a project runs in the project-type (tender) mode rather than SI supply.
PROJECT_TYPE_SHARE = {
    "power": 0.5,
    "petrochemical": 0.5,
    "metallurgy": 0.4,
    "rail_transit": 0.6,
    "water": 0.45,
    "government": 0.6,
}
# Month of year -> relative number of new projects (Spring Festival, summer holidays).
MONTH_FACTOR = np.array([0.95, 0.6, 1.15, 1.1, 1.0, 1.05, 0.95, 0.85, 1.05, 0.9, 1.1, 1.0])
GROWTH_PER_YEAR = 0.12
IMPORT_SHARE = 0.35  # customers loaded when the CRM went live, just before the window


def work_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A time during office hours on each day, as epoch seconds (minute resolution)."""
    minutes = rng.integers(0, WORK_MINUTES, len(days))
    return np.asarray(days, dtype=np.int64) * DAY + WORK_START + minutes * 60


def categorical(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One draw per row from a (rows x k) matrix of weights."""
    cum = np.cumsum(probabilities, axis=1)
    u = rng.random(len(cum)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), probabilities.shape[1] - 1)


def flat_lists(lists: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Lists of words as one flat list plus each list's start and length (for `pick`)."""
    count = np.array([len(x) for x in lists], dtype=np.int64)
    return [s for x in lists for s in x], np.cumsum(count) - count, count


def segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For rows repeated `counts` times: owner index, rank within owner, owner start."""
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(counts)), counts)
    rank = np.arange(int(counts.sum())) - np.repeat(starts, counts)
    return owner, rank, starts


class IdAllocator:
    """Next free id per table, starting above what the store already holds."""

    def __init__(self, max_ids: dict[str, int]) -> None:
        self.next = dict(max_ids)

    def take(self, table: str, n: int) -> np.ndarray:
        first = self.next[table] + 1
        self.next[table] += n
        return np.arange(first, first + n, dtype=np.int64)


class RepPicker:
    """Choose the rep who covers a region and industry (else the region, else anyone)."""

    def __init__(self, org: Org, n_regions: int, n_industries: int) -> None:
        n_reps = len(org.rep_ids)
        lists = []
        for r in range(n_regions):
            in_region = org.rep_region == r
            for i in range(n_industries):
                cell = np.flatnonzero(in_region & org.rep_industries[:, i])
                if cell.size == 0:
                    cell = np.flatnonzero(in_region)
                if cell.size == 0:
                    cell = np.flatnonzero(org.rep_industries[:, i])
                if cell.size == 0:
                    cell = np.arange(n_reps)
                lists.append(cell)
        self.n_industries = n_industries
        self.count = np.array([len(c) for c in lists], dtype=np.int64)
        self.start = np.cumsum(self.count) - self.count
        self.flat = np.concatenate(lists)

    def pick(
        self, rng: np.random.Generator, region: np.ndarray, industry: np.ndarray
    ) -> np.ndarray:
        cell = region * self.n_industries + industry
        offset = (rng.random(len(cell)) * self.count[cell]).astype(np.int64)
        return self.flat[self.start[cell] + offset]


@dataclass
class World:
    """What every project chunk needs to know about the rest of the store."""

    seed: int
    profile: Profile
    window: Window
    ref: Ref
    org: Org
    catalog: Catalog
    change_seq: int
    ids: IdAllocator
    picker: RepPicker
    cust_id: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_sec: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_industry: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_region: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_city: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cust_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # rep index
    cust_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cust_name: pa.Array | None = None
    contact_first: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    contact_count: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    contact_name: pa.Array | None = None
    contact_phone: pa.Array | None = None
    proj_first_id: int = 0
    proj_customer: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    proj_sec: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    proj_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # rep index
    proj_mode: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    report_months: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    report_cell: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    report_first_id: int = 0
    report_totals: np.ndarray = field(default_factory=lambda: np.zeros(0))
    report_created: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    fillers: dict[str, np.ndarray] = field(default_factory=dict)
    target_months: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    won_by_rep: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    def rng(self, *stream: int) -> np.random.Generator:
        """An independent random stream per part of the seed, e.g. (chunk, number)."""
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, *stream])))

    @property
    def cities(self) -> tuple[list[str], np.ndarray]:
        regions = {code: i for i, code in enumerate(self.ref.regions)}
        cities, region_of = [], []
        for code, members in names.CITIES.items():
            if code in regions:
                cities += members
                region_of += [regions[code]] * len(members)
        return cities, np.array(region_of, dtype=np.int64)

    def report_of(self, rep: np.ndarray, days: np.ndarray) -> np.ndarray:
        """The expense report (id or -1) that gathers a rep's expenses of that day's month."""
        m = month_index(days, self.report_months)
        ok = (m >= 0) & (m < self.report_cell.shape[1])
        out = np.full(len(rep), -1, dtype=np.int64)
        out[ok] = self.report_cell[rep[ok], m[ok]]
        return out


# --- customers and contacts ---------------------------------------------------------------


def plan_customers(w: World) -> None:
    rng = w.rng(1)
    n = w.profile.customers
    ref, window = w.ref, w.window
    n_ind = len(ref.industries)
    industry = rng.choice(n_ind, n, p=weights(ref.industries, INDUSTRY_WEIGHTS))
    shares = np.zeros((n_ind, len(ref.customer_types)))
    for i, code in enumerate(ref.industries):
        design, si = TYPE_SHARES.get(code, (0.05, 0.2))
        for t, type_code in enumerate(ref.customer_types):
            shares[i, t] = {"design_institute": design, "si_customer": si}.get(
                type_code, 1 - design - si if type_code == "end_user" else 0.02
            )
    ctype = categorical(rng, shares[industry])
    cities, city_region = w.cities
    name_list: list[str] = [""] * n
    city = np.zeros(n, dtype=np.int64)
    brands = names.BRANDS
    for i, ind_code in enumerate(ref.industries):
        for t, type_code in enumerate(ref.customer_types):
            members = np.flatnonzero((industry == i) & (ctype == t))
            if members.size == 0:
                continue
            patterns = names.COMPANY_PATTERNS.get(ind_code, {}).get(type_code) or ["{c}{b}有限公司"]
            space = len(patterns) * len(cities) * len(brands)
            combo = rng.choice(space, members.size, replace=members.size > space)
            p_idx = combo // (len(cities) * len(brands))
            c_idx = (combo // len(brands)) % len(cities)
            b_idx = combo % len(brands)
            city[members] = c_idx
            for row, p, c, b in zip(members, p_idx, c_idx, b_idx, strict=True):
                name_list[row] = patterns[p].format(c=cities[c], b=brands[b])
    imported = rng.random(n) < IMPORT_SHARE
    span = window.cutoff_day - 2 - window.start_day
    day = np.where(
        imported,
        window.start_day - 30 + rng.integers(0, 30, n),
        window.start_day + (rng.random(n) * span).astype(np.int64),
    )
    sec = work_time(rng, day)
    order = np.argsort(sec, kind="stable")
    industry, ctype, city, sec = industry[order], ctype[order], city[order], sec[order]
    region = city_region[city]
    w.cust_name = pa.array([name_list[i] for i in order], type=pa.string())
    w.cust_id = w.ids.take("customers", n)
    w.cust_sec, w.cust_type, w.cust_industry = sec, ctype, industry
    w.cust_region, w.cust_city = region, city
    owner = w.picker.pick(rng, region, industry)
    # Every rep owns one of the first customers, the account their monthly costs go to.
    n_home = min(n, len(w.org.rep_ids))
    owner[:n_home] = np.arange(n_home)
    w.cust_owner = owner
    type_factor = {"end_user": 1.2, "design_institute": 0.8}
    w.cust_weight = (
        rng.lognormal(0.0, 1.0, n)
        * np.array([type_factor.get(code, 1.0) for code in ref.customer_types])[ctype]
    )


def customer_tables(w: World, project_counts: np.ndarray) -> dict[str, pa.Table]:
    """Customers and contacts; a customer with projects is formal (the steward entered it)."""
    rng = w.rng(2)
    n = len(w.cust_id)
    ref, org = w.ref, w.org
    formal = np.where(project_counts > 0, rng.random(n) < 0.95, rng.random(n) < 0.15)
    owner_ids = org.rep_ids[w.cust_owner]
    steward = org.steward_ids[rng.integers(0, len(org.steward_ids), n)]
    cities, _ = w.cities
    address = join(
        pick(cities, w.cust_city),
        "市",
        pick(names.DISTRICTS, rng.integers(0, len(names.DISTRICTS), n)),
        "区",
        pick(names.ROADS, rng.integers(0, len(names.ROADS), n)),
        "路",
        number_text(rng.integers(1, 999, n)),
        "号",
    )
    phone = join(
        "0",
        number_text(rng.integers(10, 999, n)),
        "-",
        number_text(rng.integers(20_000_000, 89_999_999, n)),
    )
    customers = build(
        "customers",
        {
            "id": w.cust_id,
            "name": w.cust_name,
            "customer_type_id": ref.customer_type_ids[w.cust_type],
            "industry_id": ref.industry_ids[w.cust_industry],
            "region_id": ref.region_ids[w.cust_region],
            "status": np.where(formal, "formal", "prospect"),
            "owner_id": owner_ids,
            "city": pick(cities, w.cust_city),
            "address": address,
            "phone": phone,
            "version": np.ones(n, dtype=np.int64),
        },
        change_seq=w.change_seq,
        created_at=w.cust_sec,
        created_by=np.where(formal, steward, owner_ids),
    )
    count = np.clip(1 + rng.poisson(1.1, n), 1, 5)
    cust, _, _ = segments(count)
    total = int(count.sum())
    contact_ids = w.ids.take("contacts", total)
    w.contact_first = contact_ids[0] + np.cumsum(count) - count
    w.contact_count = count
    name, _ = person_names(rng, total)
    w.contact_name = name
    w.contact_phone = mobile(rng, total)
    contacts = build(
        "contacts",
        {
            "id": contact_ids,
            "customer_id": w.cust_id[cust],
            "name": name,
            "title": pick(names.CONTACT_TITLES, rng.integers(0, len(names.CONTACT_TITLES), total)),
            "phone": w.contact_phone,
            "email": email(rng, total),
            "owner_id": owner_ids[cust],
        },
        change_seq=w.change_seq,
        created_at=w.cust_sec[cust] + rng.integers(10, 480, total) * 60,
        created_by=owner_ids[cust],
    )
    return {"customers": customers, "contacts": contacts}


_SURNAME_P = np.array([f for *_, f in names.SURNAMES], dtype=np.float64)
_SURNAME_P /= _SURNAME_P.sum()


def person_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    """Chinese names (surname + one or two characters) and their pinyin."""
    s = rng.choice(len(names.SURNAMES), n, p=_SURNAME_P)
    g1 = rng.integers(0, len(names.GIVEN), n)
    g2 = rng.integers(0, len(names.GIVEN) + 1, n)
    single = rng.random(n) < 0.35
    g2 = np.where(single, len(names.GIVEN), g2)  # the extra index is the empty string
    given = [g for g, _ in names.GIVEN] + [""]
    given_py = [p for _, p in names.GIVEN] + [""]
    zh = join(pick([z for z, *_ in names.SURNAMES], s), pick(given, g1), pick(given, g2))
    py = join(pick([p for _, p, _ in names.SURNAMES], s), pick(given_py, g1), pick(given_py, g2))
    return zh, py


def mobile(rng: np.random.Generator, n: int) -> pa.Array:
    prefix = rng.choice([133, 135, 136, 138, 139, 150, 152, 158, 186, 189], n)
    return join(
        number_text(prefix),
        "-",
        number_text(rng.integers(0, 10_000, n), 4),
        "-",
        number_text(rng.integers(0, 10_000, n), 4),
    )


def email(rng: np.random.Generator, n: int) -> pa.Array:
    _, py = person_names(rng, n)
    domains = ["163.com", "126.com", "sina.com", "example.cn"]
    address = join(
        py, number_text(rng.integers(1, 99, n)), "@", pick(domains, rng.integers(0, 4, n))
    )
    return pa.compute.if_else(pa.array(rng.random(n) < 0.4), address, pa.scalar(None, pa.string()))


# --- project skeleton ---------------------------------------------------------------------


def plan_projects(w: World) -> np.ndarray:
    """When each project starts, for which customer and owner, in which sales mode.

    Returns the number of projects per customer.
    """
    rng = w.rng(3)
    n = w.profile.projects
    window, ref = w.window, w.ref
    days = np.arange(window.start_day, window.cutoff_day, dtype=np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    density = (
        (1 + GROWTH_PER_YEAR * (days - window.start_day) / 365)
        * MONTH_FACTOR[months]
        * np.where(weekday < 5, 1.0, 0.12)
    )
    day = np.sort(rng.choice(days, n, p=density / density.sum()))
    sec = np.sort(work_time(rng, day))
    # Only customers entered at least a day before the project; big accounts get more.
    eligible = np.maximum(np.searchsorted(w.cust_sec, sec - DAY, side="right"), 1)
    cum = np.cumsum(w.cust_weight)
    u = rng.random(n) * cum[eligible - 1]
    customer = np.minimum(np.searchsorted(cum, u, side="right"), eligible - 1)
    region, industry = w.cust_region[customer], w.cust_industry[customer]
    owner = np.where(
        rng.random(n) < 0.75, w.cust_owner[customer], w.picker.pick(rng, region, industry)
    )
    codes = [m.code for m in ref.modes]
    tender = codes.index("project_type") if "project_type" in codes else len(codes) - 1
    supply = codes.index("si_supply") if "si_supply" in codes else 0
    p_tender = np.array([PROJECT_TYPE_SHARE.get(code, 0.3) for code in ref.industries])[industry]
    type_codes = np.array(ref.customer_types)[w.cust_type[customer]]
    p_tender = np.where(type_codes == "design_institute", 0.75, p_tender)
    w.proj_mode = np.where(rng.random(n) < p_tender, tender, supply)
    w.proj_customer, w.proj_sec, w.proj_owner = customer, sec, owner
    w.proj_first_id = int(w.ids.take("projects", n)[0]) if n else 0
    return np.bincount(customer, minlength=len(w.cust_id))
