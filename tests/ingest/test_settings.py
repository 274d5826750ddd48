"""One settings module: every `CRM_*` name the product or its tests read is in its table,
and the README's settings table is the one it makes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ingest import settings

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bCRM_[A-Z0-9_]+")


def _names_in_the_code() -> dict[str, str]:
    files = subprocess.run(
        ["git", "ls-files", "*.py", "*.sql", "*.yml", "*.yaml", "Makefile", ".ci/run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found: dict[str, str] = {}
    for file in files:
        for name in NAME.findall((ROOT / file).read_text(encoding="utf-8")):
            found.setdefault(name, file)
    return found


def test_every_setting_the_code_reads_is_in_the_table() -> None:
    known = {s.name for s in settings.SETTINGS}
    found = _names_in_the_code()
    assert len(found) > 40  # the scan reads the code, not nothing
    # "CRM_RETAIN_" builds a name of the retention family in an f-string.
    unknown = {
        name: file
        for name, file in found.items()
        if name not in known and not (name.endswith("_") and any(k.startswith(name) for k in known))
    }
    assert unknown == {}


def test_every_setting_in_the_table_is_read_somewhere() -> None:
    found = _names_in_the_code()
    unused = [
        s.name
        for s in settings.SETTINGS
        if s.name.startswith("CRM_")
        and s.name not in found
        and not s.name.startswith("CRM_RETAIN_")
    ]
    assert unused == []


def test_the_readme_settings_table_is_the_one_the_module_makes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.readme_table() in readme, "run `python -m ingest.settings` and paste it"
    assert "CRM_TEST_PG" not in readme  # internal settings stay out of the admin's table


def test_an_unknown_setting_cannot_be_read() -> None:
    with pytest.raises(KeyError):
        settings.raw("CRM_" + "NO_SUCH_SETTING")  # spelled apart: the scan above reads this file
