"""Seed sizes (their figures: docs/benchmarks.md). `tiny` is hidden: 1/20 of small, for
tests and quick looks."""

from __future__ import annotations

from dataclasses import dataclass


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
