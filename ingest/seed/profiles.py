"""Seed sizes (their figures: docs/benchmarks.md). `tiny` is hidden: 1/20 of small, for
tests and quick looks. `Profile.scaled` grows or shrinks one (`crm seed --scale`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ingest.demo_accounts import DEMO_ACCOUNTS
from ingest.seed.org import LEADERS

MAX_SCALE = 16.0  # past this a seed outgrows any machine the benchmarks run on
# The demo accounts and the survey's department leaders: the same people at every scale.
FIXED_ACCOUNTS = len(DEMO_ACCOUNTS) + len(LEADERS)
# What grows with the company: the staff beyond the fixed accounts (the reps, `users` less
# the fixed accounts and these, grow too) and the volumes.
STAFF = ("extra_managers", "extra_finance", "extra_stewards", "extra_executives")
VOLUMES = ("customers", "projects", "activities", "expenses")


def check_scale(factor: float) -> float:
    """The factor, or ValueError saying what a scale may be."""
    if not (math.isfinite(factor) and 0 < factor <= MAX_SCALE):
        raise ValueError(f"the scale must be above 0 and at most {MAX_SCALE:g}, not {factor:g}")
    return factor


@dataclass(frozen=True)
class Profile:
    name: str
    users: int  # every account, the demo accounts included
    extra_managers: int  # team managers besides the five department leaders of the survey
    extra_finance: int
    extra_stewards: int
    extra_executives: int
    customers: int
    projects: int
    activities: int
    expenses: int
    # Projects generated and written per transaction. Part of a seed's identity: the
    # random streams are drawn per chunk, so the same seed at another chunk size differs.
    chunk: int
    hidden: bool = False

    @property
    def reps(self) -> int:
        """Generated reps: every account but the fixed ones and the extras."""
        return self.users - FIXED_ACCOUNTS - sum(getattr(self, name) for name in STAFF)

    def scaled(self, factor: float) -> Profile:
        """The same company `factor` times as big: reps, extra staff, customers, projects,
        activities and expenses multiplied (what a profile has stays at least one), the
        fixed accounts kept. `chunk` is kept too: at 1 this is the profile itself, so the
        seed is the same."""
        check_scale(factor)
        if factor == 1:
            return self

        def times(n: int) -> int:
            return max(round(n * factor), 1) if n > 0 else 0

        extras = {name: times(getattr(self, name)) for name in STAFF}
        users = FIXED_ACCOUNTS + sum(extras.values()) + times(self.reps)
        volumes = {name: times(getattr(self, name)) for name in VOLUMES}
        # every rep's monthly costs go to an account of their own among the first customers
        volumes["customers"] = max(volumes["customers"], users)
        return replace(self, name=f"{self.name}×{factor:g}", users=users, **extras, **volumes)


PROFILES = {
    "tiny": Profile(
        "tiny",
        users=20,
        extra_managers=0,
        extra_finance=0,
        extra_stewards=0,
        extra_executives=0,
        customers=100,
        projects=300,
        activities=3_000,
        expenses=1_500,
        chunk=100,
        hidden=True,
    ),
    "small": Profile(
        "small",
        users=40,
        extra_managers=1,
        extra_finance=1,
        extra_stewards=1,
        extra_executives=0,
        customers=2_000,
        projects=6_000,
        activities=60_000,
        expenses=30_000,
        chunk=2_000,
    ),
    "large": Profile(
        "large",
        users=2_000,
        extra_managers=165,
        extra_finance=19,
        extra_stewards=9,
        extra_executives=2,
        customers=200_000,
        projects=1_000_000,
        activities=10_000_000,
        expenses=5_000_000,
        chunk=50_000,
    ),
}

PUBLIC_PROFILES = tuple(name for name, p in PROFILES.items() if not p.hidden)
