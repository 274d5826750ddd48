"""Dagster entry point (`dagster dev -m orchestration.definitions`): loads defs/."""

from orchestration.defs import defs

__all__ = ["defs"]
