"""Test modules share what they share through tests/support/: none imports another test
module or a conftest, so each can move or be removed on its own."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def forbidden(module: str) -> bool:
    last = module.split(".")[-1]
    return module.startswith("tests") and (last == "conftest" or last.startswith("test_"))


def test_no_test_module_imports_a_test_module_or_a_conftest() -> None:
    offenders = {
        f"{path.relative_to(TESTS)}: {module}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name.startswith("test_") or path.name == "conftest.py"
        for module in imported_modules(path)
        if forbidden(module)
    }
    assert sorted(offenders) == []


def test_support_modules_import_no_test_module_or_conftest() -> None:
    offenders = {
        f"{path.relative_to(TESTS)}: {module}"
        for path in sorted((TESTS / "support").glob("*.py"))
        for module in imported_modules(path)
        if forbidden(module)
    }
    assert sorted(offenders) == []


def test_the_check_sees_both_kinds_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "from tests.conftest import make_org\n"
        "import tests.orchestration.test_refresh\n"
        "from tests.dashboards import conftest\n"
        "from tests.support.org import Org\n",
        encoding="utf-8",
    )
    assert [m for m in imported_modules(sample) if forbidden(m)] == [
        "tests.conftest",
        "tests.orchestration.test_refresh",
        "tests.dashboards.conftest",
    ]
