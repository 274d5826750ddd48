"""The small demo company, seeded and refreshed once for the dashboards' tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.company import AS_OF, Company, reading, seeded_company

__all__ = ["AS_OF", "Company"]


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    with reading(seeded_company(tmp_path_factory)) as built:
        yield built
