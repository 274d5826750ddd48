"""The small demo company of the dashboards' tests (seeded and refreshed once per process):
its full refresh trained, backtested and scored."""

from tests.dashboards.conftest import company

__all__ = ["company"]
