"""Realistic, deterministic demo data at two scales: `crm seed --profile small|large`.

`seed_store(engine, profile, seed, as_of=None, progress=True)` fills an initialised store
with three years of a fictional industrial-IT company's sales history ending at `as_of`
(default today). See `run.py` for the flow and `story.py` for the rules a project follows.
"""

from ingest.seed.context import SeedError
from ingest.seed.load import store_digest
from ingest.seed.profiles import PROFILES, PUBLIC_PROFILES, Profile
from ingest.seed.run import SeedSummary, seed_store

__all__ = [
    "PROFILES",
    "PUBLIC_PROFILES",
    "Profile",
    "SeedError",
    "SeedSummary",
    "seed_store",
    "store_digest",
]
