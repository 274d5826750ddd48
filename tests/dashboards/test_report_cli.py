"""`crm report`: a report written from the command line for the options given, and every
bad option refused in one line naming it, with nothing written."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from crm.cli import main
from dashboards.reports.period import BadPeriod, parse_period
from orchestration import snapshots
from tests.support.company import AS_OF, Company
from tests.support.pdf_text import pdf_text


def crm(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("2026-Q2", (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        ("2024-02", (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("2026-05-18", (dt.date(2026, 5, 18), dt.date(2026, 5, 18))),
        ("2026-01..2026-Q2", (dt.date(2026, 1, 1), dt.date(2026, 6, 30))),
        ("all", (None, None)),
        (None, (None, None)),
    ],
)
def test_periods_as_people_write_them(given: str | None, expected: tuple) -> None:
    assert parse_period(given) == expected


@pytest.mark.parametrize(
    "given", ["2026-13", "2025-02-29", "2026-Q5", "last year", "2026-06..2026-01"]
)
def test_a_period_that_cannot_be_read_is_refused(given: str) -> None:
    with pytest.raises(BadPeriod, match=r"period|ends before"):
        parse_period(given)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["monthly-sales"], "NAME: no report named 'monthly-sales': choose one of sales-forecast"),
        (["sales-forecast", "--period", "2026-13"], "--period: '2026-13' is not a period"),
        (["project-costs", "--rep", "nobody-here"], "--rep: no single employee is 'nobody-here'"),
        (["customer-costs", "--region", "mars"], "--region: no region 'mars': choose one of"),
        (["customer-costs", "--industry", "mining"], "--industry: no industry 'mining'"),
        (["customer-costs", "--format", "docx"], "'docx' is not one of 'xlsx', 'pdf'"),
        (["customer-costs", "--as", "nobody-here"], "--as: no active user named 'nobody-here'"),
    ],
)
def test_bad_options_are_named_and_nothing_is_written(
    company: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = crm(*args, "--out", str(tmp_path / "report.xlsx"))
    assert code == 2
    assert says in " ".join(output.split())
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_and_a_forbidden_report_write_nothing(
    company: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = crm("project-costs", "--out", str(tmp_path / "no" / "such" / "r.xlsx"))
    assert code == 2 and "--out: folder" in output and "does not exist" in output
    code, output = crm("sales-forecast", "--as", "finance")
    assert code == 1 and "may not open the forecast dashboard" in output
    assert list(tmp_path.iterdir()) == []


def test_a_report_for_a_region_and_a_quarter(company: Company, tmp_path: Path) -> None:
    out = tmp_path / "客户费用.xlsx"
    code, output = crm(
        "客户费用表", "--period", "2026-Q2", "--region", "华北", "--out", str(out), "--lang", "en"
    )
    assert code == 0, output
    assert str(out) in output
    sheet = load_workbook(io.BytesIO(out.read_bytes()))["Customers"]
    head = "\n".join(str(sheet.cell(row=r, column=1).value) for r in range(1, 5))
    assert "Customer expense report" in head
    assert "Period: 2026-04-01 to 2026-06-30" in head and "Region: North China" in head
    con, _ = snapshots.connect_current()
    with con:
        total = con.execute(
            "select sum(amount) from fct_expenses where region_code = 'north_china' "
            "and incurred_date between '2026-04-01' and '2026-06-30'"
        ).fetchone()[0]
    last = [c.value for c in sheet[sheet.max_row]]
    labels = [c.value for c in sheet[int(sheet.freeze_panes[1:]) - 1]]
    assert last[0] == "Total"
    assert round(last[labels.index("Expenses")] * 10_000, 2) == float(total)


def test_a_managers_forecast_pdf_for_one_rep(
    company: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = crm("sales-forecast", "--rep", "rep", "--as", "manager", "--format", "pdf")
    assert code == 0, output
    written = tmp_path / f"sales_forecast_{AS_OF.isoformat()}.pdf"
    assert [p.name for p in tmp_path.iterdir()] == [written.name]
    text = pdf_text(written.read_bytes())
    con, _ = snapshots.connect_current()
    with con:
        name, amount = con.execute(
            "select e.employee_name, sum(fc.amount) from fct_forecast as fc "
            "inner join dim_employees as e on e.employee_id = fc.owner_id "
            "where e.username = 'rep' group by 1"
        ).fetchone()
        manager = con.execute(
            "select employee_name from dim_employees where username = 'manager'"
        ).fetchone()[0]
    assert "销售预测报表" in text
    assert f"销售员：{name}" in text and f"查看范围：{manager}" in text
    assert f"{amount / 10_000:,.2f}" in text.split("\n")
