"""The small demo company of the dashboards' tests (seeded and refreshed once per process):
its full refresh trained, backtested and scored."""

from collections.abc import Iterator

import pytest

from tests.support.company import Company, reading, seeded_company


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Company]:
    with reading(seeded_company(tmp_path_factory)) as built:
        yield built
