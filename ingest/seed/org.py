"""The company: accounts and reporting lines, and the catalog (products, competitors, partners).

A few thousand rows at most, so plain Python. The structure follows the survey's
Industrial IT department: 王小明 heads it; 冯智宏, 廖万宁, 刘卫彤, 李超 and 汪直刚 lead its
sub-departments; managers report to the department head, reps to a manager of their
sub-department. Every account shares one argon2 hash of the demo password, computed once
with a salt derived from the seed so that two runs store the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Engine, select

from ingest.commands import users as user_commands
from ingest.demo_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from ingest.seed import names
from ingest.seed.context import Ref, SeedError
from ingest.store.db import read_session
from ingest.store.models import Competitor, Partner, Product, User, UserIndustry

if TYPE_CHECKING:  # profiles.py counts the leaders below among the fixed accounts
    from ingest.seed.profiles import Profile

# The survey's leaders of the Industrial IT sub-departments (刘卫彤 is the demo manager).
LEADERS = [
    ("fengzhihong", "冯智宏", "ft_servers", None),
    ("liaowanning", "廖万宁", "industry_marketing", None),
    ("lichao", "李超", "south", "south_china"),
    ("wangzhigang", "汪直刚", "business_development", None),
]
# Share of reps per sub-department and the regions each covers (None: all of them).
SALES_DEPARTMENTS = {
    "north": (0.30, ["north_china", "northeast", "northwest"]),
    "south": (0.32, ["east_china", "south_china", "central_china", "southwest"]),
    "ft_servers": (0.14, None),
    "industry_marketing": (0.10, None),
    "business_development": (0.14, None),
}
INDUSTRY_WEIGHTS = {
    "power": 0.20,
    "petrochemical": 0.14,
    "metallurgy": 0.10,
    "rail_transit": 0.10,
    "water": 0.10,
    "government": 0.08,
    "manufacturing": 0.12,
    "healthcare": 0.06,
    "finance": 0.05,
    "education": 0.05,
}


@dataclass
class Person:
    username: str
    display_name: str
    role: str
    department: str | None
    region: str | None
    manager: str | None  # username
    industries: list[str] = field(default_factory=list)
    id: int = 0
    existing: bool = False


@dataclass
class Org:
    people: list[Person]
    new_people: list[Person]
    ids: dict[str, int]  # username -> id
    manager_of: dict[int, int | None]
    department_of: dict[int, int | None]
    rep_ids: np.ndarray
    rep_department: np.ndarray  # department id
    rep_region: np.ndarray  # index into ref.regions
    rep_manager: np.ndarray  # user id
    rep_skill: np.ndarray  # a rep's effect on win odds (scorecards differ)
    rep_industries: np.ndarray  # bool, reps x ref.industries
    finance_ids: np.ndarray
    steward_ids: np.ndarray
    admin_id: int
    head_id: int
    executive_id: int
    # Colleagues a rep can bring onto a project team: people of the same department.
    team_flat: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_size: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_team_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def password_hash(seed: int) -> str:
    """The demo password's argon2 hash; the salt comes from the seed (determinism)."""
    salt = hashlib.sha256(f"crm-seed-{seed}".encode()).digest()[:16]
    return user_commands.hasher().hash(DEMO_PASSWORD, salt=salt)


def weights(codes: list[str], table: dict[str, float], default: float = 0.02) -> np.ndarray:
    w = np.array([table.get(code, default) for code in codes], dtype=np.float64)
    return w / w.sum()


def _person_name(rng: np.random.Generator) -> tuple[str, str]:
    surnames = names.SURNAMES
    freq = np.array([f for *_, f in surnames], dtype=np.float64)
    zh, py, _ = surnames[rng.choice(len(surnames), p=freq / freq.sum())]
    count = 1 if rng.random() < 0.35 else 2
    for _ in range(count):
        g_zh, g_py = names.GIVEN[rng.integers(len(names.GIVEN))]
        zh, py = zh + g_zh, py + g_py
    return zh, py


def plan_people(rng: np.random.Generator, profile: Profile, ref: Ref) -> list[Person]:
    """Everyone the seed wants to exist, demo accounts first, managers before their reports."""
    people = [
        Person(username, name, role, dept, region, manager, list(industries))
        for username, name, role, dept, region, manager, industries in DEMO_ACCOUNTS
    ]
    people += [Person(u, n, "manager", d, r, "head") for u, n, d, r in LEADERS]
    taken = {p.username for p in people}

    def fresh(role: str, dept: str, region: str | None, manager: str | None) -> Person:
        zh, py = _person_name(rng)
        username, n = py, 1
        while username in taken:
            n += 1
            username = f"{py}{n}"
        taken.add(username)
        return Person(username, zh, role, dept, region, manager)

    sales = list(SALES_DEPARTMENTS)
    share = np.array([SALES_DEPARTMENTS[d][0] for d in sales])
    leaders = {"north": "manager", **{d: u for u, _, d, _ in LEADERS}}
    managers: dict[str, list[str]] = {d: [leaders[d]] for d in sales}
    for _ in range(profile.extra_managers):
        dept = sales[rng.choice(len(sales), p=share)]
        regions = SALES_DEPARTMENTS[dept][1]
        region = regions[rng.integers(len(regions))] if regions else None
        person = fresh("manager", dept, region, "head")
        managers[dept].append(person.username)
        people.append(person)
    for _ in range(profile.extra_executives):
        people.append(fresh("executive", "industrial_it", None, "exec"))
    for _ in range(profile.extra_finance):
        people.append(fresh("finance", "contracts_orders", None, "finance"))
    for _ in range(profile.extra_stewards):
        people.append(fresh("data_steward", "marketing", None, "exec"))
    region_weights = {
        code: len(names.CITIES.get(code, [])) or 1 for code in ref.regions if code in names.CITIES
    }
    all_regions = list(region_weights)
    region_p = np.array([region_weights[r] for r in all_regions], dtype=np.float64)
    industry_p = weights(ref.industries, INDUSTRY_WEIGHTS)
    reps = profile.users - len(people)
    counters = dict.fromkeys(sales, 0)
    for _ in range(max(reps, 0)):
        dept = sales[rng.choice(len(sales), p=share)]
        regions = SALES_DEPARTMENTS[dept][1]
        if regions:
            region = regions[rng.integers(len(regions))]
        else:
            region = all_regions[rng.choice(len(all_regions), p=region_p / region_p.sum())]
        team = managers[dept]
        manager = team[counters[dept] % len(team)]
        counters[dept] += 1
        person = fresh("rep", dept, region, manager)
        k = int(rng.choice([1, 2, 3], p=[0.35, 0.45, 0.20]))
        chosen = rng.choice(len(ref.industries), size=k, replace=False, p=industry_p)
        person.industries = [ref.industries[i] for i in sorted(chosen)]
        people.append(person)
    return people


def build_org(
    engine: Engine, rng: np.random.Generator, profile: Profile, ref: Ref, first_id: int
) -> Org:
    people = plan_people(rng, profile, ref)
    demo = {username for username, *_ in DEMO_ACCOUNTS}
    with read_session(engine) as session:
        existing = {
            u.username: u
            for u in session.scalars(
                select(User).where(User.username.in_([p.username for p in people]))
            )
        }
        covered: dict[int, list[int]] = {}
        for user_id, industry_id in session.execute(
            select(UserIndustry.user_id, UserIndustry.industry_id)
        ):
            covered.setdefault(user_id, []).append(industry_id)
    clash = sorted(set(existing) - demo)
    if clash:
        raise SeedError(
            f"the store already holds accounts the seed creates ({', '.join(clash[:3])}): "
            "it has been seeded before; seed into a fresh store (new CRM_DATA_DIR, `crm init`)"
        )
    dept_ids = ref.departments
    industry_ids = dict(zip(ref.industries, ref.industry_ids, strict=True))
    ids: dict[str, int] = {}
    next_id = first_id
    manager_of: dict[int, int | None] = {}
    department_of: dict[int, int | None] = {}
    for person in people:
        if person.username in existing:
            user = existing[person.username]
            person.id, person.existing = user.id, True
            manager_of[user.id] = user.manager_id
            department_of[user.id] = user.department_id
            if person.role == "rep" and user.id in covered:
                by_id = {v: k for k, v in industry_ids.items()}
                person.industries = [by_id[i] for i in covered[user.id] if i in by_id]
        else:
            next_id += 1
            person.id = next_id
            manager_of[person.id] = ids.get(person.manager) if person.manager else None
            department_of[person.id] = dept_ids.get(person.department or "")
        ids[person.username] = person.id
    reps = [p for p in people if p.role == "rep"]
    if not reps:
        raise SeedError("the profile has no room for sales reps")
    rep_ids = np.array([p.id for p in reps], dtype=np.int64)
    region_index = {code: i for i, code in enumerate(ref.regions)}
    industries = np.zeros((len(reps), len(ref.industries)), dtype=bool)
    industry_index = {code: i for i, code in enumerate(ref.industries)}
    for row, person in enumerate(reps):
        for code in person.industries:
            if code in industry_index:
                industries[row, industry_index[code]] = True
    org = Org(
        people=people,
        new_people=[p for p in people if not p.existing],
        ids=ids,
        manager_of=manager_of,
        department_of=department_of,
        rep_ids=rep_ids,
        rep_department=np.array([department_of[p.id] or 0 for p in reps], dtype=np.int64),
        rep_region=np.array([region_index.get(p.region or "", -1) for p in reps]),
        rep_manager=np.array([manager_of[p.id] or ids["head"] for p in reps], dtype=np.int64),
        rep_skill=rng.normal(0.0, 0.35, len(reps)),
        rep_industries=industries,
        finance_ids=np.array([p.id for p in people if p.role == "finance"], dtype=np.int64),
        steward_ids=np.array([p.id for p in people if p.role == "data_steward"], dtype=np.int64),
        admin_id=ids["admin"],
        head_id=ids["head"],
        executive_id=ids["exec"],
    )
    _teams(org, people)
    return org


def _teams(org: Org, people: list[Person]) -> None:
    """Per department, the people a rep may bring onto a project (reps and managers)."""
    by_dept: dict[int, list[int]] = {}
    for p in people:
        if p.role in ("rep", "manager"):
            by_dept.setdefault(org.department_of[p.id] or 0, []).append(p.id)
    flat, start, size, position = [], {}, {}, {}
    for dept, members in sorted(by_dept.items()):
        start[dept], size[dept] = len(flat), len(members)
        for i, user_id in enumerate(members):
            position[user_id] = i
        flat.extend(members)
    org.team_flat = np.array(flat, dtype=np.int64)
    org.team_start = np.array([start[d] for d in org.rep_department], dtype=np.int64)
    org.team_size = np.array([size[d] for d in org.rep_department], dtype=np.int64)
    org.rep_team_pos = np.array([position[u] for u in org.rep_ids], dtype=np.int64)


def user_rows(org: Org, ref: Ref, pw_hash: str, created_sec: int) -> dict[str, list[Any]]:
    """Column lists for the new accounts (ids ascending, managers before reports)."""
    dept_ids = ref.departments
    region_ids = dict(zip(ref.regions, ref.region_ids.tolist(), strict=True))
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "department_id",
            "manager_id",
            "region_id",
            "locale",
            "password_hash",
            "is_active",
            "must_change_password",
            "created_at",
        )
    }
    for i, p in enumerate(org.new_people):
        manager = org.ids.get(p.manager) if p.manager else None
        rows["id"].append(p.id)
        rows["username"].append(p.username)
        rows["display_name"].append(p.display_name)
        rows["email"].append(f"{p.username}@example.com")
        rows["role"].append(p.role)
        rows["department_id"].append(dept_ids.get(p.department or ""))
        rows["manager_id"].append(manager)
        rows["region_id"].append(region_ids.get(p.region or ""))
        rows["locale"].append("zh_CN")
        rows["password_hash"].append(pw_hash)
        rows["is_active"].append(True)
        rows["must_change_password"].append(True)  # the demo password is only a first one
        rows["created_at"].append(created_sec + 60 * i)
    return rows


def user_industry_rows(org: Org, ref: Ref) -> list[tuple[int, int]]:
    industry_ids = dict(zip(ref.industries, ref.industry_ids.tolist(), strict=True))
    return [
        (p.id, industry_ids[code])
        for p in org.new_people
        for code in p.industries
        if code in industry_ids
    ]


@dataclass
class Catalog:
    product_ids: np.ndarray
    product_prices: np.ndarray
    product_categories: list[str]
    competitor_ids: np.ndarray
    competitor_weights: np.ndarray
    partner_ids: np.ndarray
    partner_types: list[str]
    new_products: list[int]  # indexes into names.PRODUCTS to insert
    new_competitors: list[int]
    new_partners: list[int]


def plan_catalog(engine: Engine, next_ids: dict[str, int]) -> Catalog:
    """Reuse catalog rows that exist (by code or name), give the rest new ids."""
    with read_session(engine) as session:
        products = dict(session.execute(select(Product.code, Product.id)).all())
        competitors = dict(session.execute(select(Competitor.name, Competitor.id)).all())
        partners = dict(session.execute(select(Partner.name, Partner.id)).all())

    def assign(table: str, keys: list[str], known: dict[str, int]) -> tuple[list[int], list[int]]:
        ids, new = [], []
        for i, key in enumerate(keys):
            if key in known:
                ids.append(known[key])
            else:
                next_ids[table] += 1
                ids.append(next_ids[table])
                new.append(i)
        return ids, new

    product_ids, new_products = assign("products", [p[0] for p in names.PRODUCTS], products)
    competitor_ids, new_competitors = assign(
        "competitors", [c[0] for c in names.COMPETITORS], competitors
    )
    partner_ids, new_partners = assign("partners", [p[0] for p in names.PARTNERS], partners)
    strength = np.array([c[2] for c in names.COMPETITORS], dtype=np.float64)
    return Catalog(
        product_ids=np.array(product_ids, dtype=np.int64),
        product_prices=np.array([p[4] for p in names.PRODUCTS], dtype=np.float64),
        product_categories=[p[3] for p in names.PRODUCTS],
        competitor_ids=np.array(competitor_ids, dtype=np.int64),
        competitor_weights=strength / strength.sum(),
        partner_ids=np.array(partner_ids, dtype=np.int64),
        partner_types=[p[1] for p in names.PARTNERS],
        new_products=new_products,
        new_competitors=new_competitors,
        new_partners=new_partners,
    )
