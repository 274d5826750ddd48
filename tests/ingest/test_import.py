"""`crm import`: CSV and Excel files from another CRM, through a YAML mapping.

The worked example of docs/import.md lives in tests/ingest/import_files/ and is imported
here as a user would: users, customers, contacts, products, projects (a foreign four-stage
pipeline as its own sales mode), stage history, activities and expenses.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from crm.cli import main
from ingest.importer import import_file
from ingest.importer.mapping import MappingError, parse_mapping
from ingest.importer.readers import detect_encoding
from ingest.importer.values import (
    Unparsable,
    parse_amount,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_lines,
)
from ingest.store.db import read_session
from ingest.store.models import (
    Activity,
    AuditLog,
    Contact,
    Contract,
    ContractLine,
    Customer,
    Expense,
    LossReason,
    Product,
    Project,
    ProjectStageHistory,
    Quote,
    QuoteLine,
    SalesMode,
    Stage,
    User,
)
from tests.support.factories import make_customer
from tests.support.import_files import (
    EXAMPLE,
    FILES,
    codes,
    import_example,
    rejections,
    run,
    store_state,
    write_csv,
    write_yaml,
)

# --- helpers -----------------------------------------------------------------------------


def by_external_id(session: Any, model: Any, external_id: str) -> Any:
    return session.scalars(select(model).where(model.external_id == external_id)).one()


def stage_path(session: Any, project_id: int) -> list[tuple[Any, ...]]:
    """A project's stage history in time order: (change, from stage, to stage, when)."""
    rows = session.scalars(
        select(ProjectStageHistory)
        .where(ProjectStageHistory.project_id == project_id)
        .order_by(ProjectStageHistory.changed_at, ProjectStageHistory.id)
    )
    return [
        (
            h.change_type,
            stage_code(session, h.from_stage_id),
            stage_code(session, h.to_stage_id),
            h.changed_at,
        )
        for h in rows
    ]


def stage_code(session: Any, stage_id: int | None) -> str | None:
    return session.get(Stage, stage_id).code if stage_id is not None else None


CUSTOMERS_MAPPING = {
    "source": "legacy",
    "entity": "customers",
    "id_column": "编号",
    "columns": {
        "name": "名称",
        "customer_type": "类型",
        "industry": "行业",
        "region": "地区",
        "owner": "负责人",
        "created_at": "创建日期",
    },
}
CUSTOMERS_HEADER = ["编号", "名称", "类型", "行业", "地区", "负责人", "创建日期"]


def customer_row(i: int) -> list[str]:
    return [
        f"K{i:03d}",
        f"测试客户{i:03d}有限公司",
        "最终用户",
        "电力",
        "华北",
        "rep",
        "2023-04-01",
    ]


# --- the worked example ----------------------------------------------------------------------


def test_worked_example_imports_every_entity(engine) -> None:
    counts = {}
    for name in EXAMPLE:
        report = run(engine, name)
        assert report.ok and report.written, report.text("en")
        counts[name] = (report.created, report.skipped)
    assert counts == {
        "users": (3, 0),
        "customers": (4, 0),
        "contacts": (3, 0),
        "products": (3, 0),
        "projects": (4, 0),
        "stage_history": (9, 1),  # the "Closed Lost" row is skipped by the mapping
        "activities": (3, 0),
        "expenses": (3, 0),
    }
    with read_session(engine) as s:
        mode = s.scalars(select(SalesMode).where(SalesMode.code == "oldcrm_pipeline")).one()
        stages = s.scalars(
            select(Stage).where(Stage.sales_mode_id == mode.id).order_by(Stage.stage_order)
        ).all()
        assert [(st.code, st.is_won_stage) for st in stages] == [
            ("oc_qualify", False),
            ("oc_proposal", False),
            ("oc_negotiation", False),
            ("oc_won", True),
        ]
        projects = {p.external_id: p for p in s.scalars(select(Project))}
        assert {k: (p.status, stage_code(s, p.stage_id)) for k, p in projects.items()} == {
            "oldcrm:J1001": ("won", "oc_won"),
            "oldcrm:J1002": ("lost", "oc_proposal"),
            "oldcrm:J1003": ("open", "oc_proposal"),
            "oldcrm:J1004": ("lost", "oc_qualify"),
        }
        won = projects["oldcrm:J1001"]
        assert won.sales_mode_id == mode.id
        assert won.expected_amount == Decimal("565000.00")  # 56.5 万
        assert won.created_at == dt.datetime(2023, 1, 10)
        assert won.closed_date == dt.date(2023, 6, 18)
        contract = s.scalars(select(Contract).where(Contract.project_id == won.id)).one()
        assert (contract.amount, contract.signed_date) == (Decimal("565000.00"), won.closed_date)
        lines = s.execute(
            select(Product.code, ContractLine.quantity, ContractLine.unit_price)
            .join(Product, Product.id == ContractLine.product_id)
            .where(ContractLine.contract_id == contract.id)
            .order_by(Product.code)
        ).all()
        assert [tuple(line) for line in lines] == [
            ("FT-2900", 2, Decimal("185000.00")),
            ("SVC-INST", 1, Decimal("20000.00")),  # no price given: the list price
        ]
        lost = projects["oldcrm:J1002"]
        assert s.get(LossReason, lost.loss_reason_id).code == "price_too_high"
        # A rep who has left may own a deal lost before they left.
        departed = projects["oldcrm:J1004"]
        assert s.get(User, departed.owner_id).username == "zhangmin"
        assert not s.get(User, departed.owner_id).is_active
        # An open deal keeps its products on a draft quote.
        quote = s.scalars(
            select(Quote).where(Quote.project_id == projects["oldcrm:J1003"].id)
        ).one()
        assert quote.status == "draft" and quote.total_amount == Decimal("640000.00")
        assert s.scalar(select(QuoteLine.quantity).where(QuoteLine.quote_id == quote.id)) == 2

        # History in the pipeline's own stages at the source's times: the warehouse's
        # stage durations are real.
        assert stage_path(s, won.id) == [
            ("created", None, "oc_qualify", dt.datetime(2023, 1, 10)),
            ("stage", "oc_qualify", "oc_qualify", dt.datetime(2023, 1, 10, 9, 30)),
            ("stage", "oc_qualify", "oc_proposal", dt.datetime(2023, 2, 20, 14, 0)),
            ("stage", "oc_proposal", "oc_negotiation", dt.datetime(2023, 5, 8, 10, 15)),
            ("won", "oc_negotiation", "oc_won", dt.datetime(2023, 6, 18, 16, 40)),
        ]
        assert stage_path(s, lost.id)[-1] == (
            "lost",
            "oc_proposal",
            "oc_proposal",
            dt.datetime(2023, 8, 20, 23, 59, 59),
        )
        customers = {c.external_id: c for c in s.scalars(select(Customer))}
        assert customers["oldcrm:C002"].created_at == dt.datetime(2022, 5, 8)
        assert [customers[f"oldcrm:C00{i}"].status for i in (1, 2)] == ["formal", "prospect"]
        contact = by_external_id(s, Contact, "oldcrm:P001")
        assert contact.customer_id == customers["oldcrm:C001"].id
        visit = by_external_id(s, Activity, "oldcrm:A1")
        assert (visit.activity_type, visit.status, visit.done_at) == (
            "visit",
            "done",
            dt.datetime(2023, 2, 15, 11, 30),
        )
        assert visit.contact_id == contact.id
        assert by_external_id(s, Activity, "oldcrm:A3").status == "planned"
        expense = by_external_id(s, Expense, "oldcrm:E1")
        assert (expense.amount, expense.category) == (Decimal("2350.00"), "travel")
        assert s.get(User, expense.owner_id).username == "wangwei"
        # Every imported record is in the audit log, under the file it came from.
        audited = s.execute(
            select(AuditLog.action, func.count())
            .where(AuditLog.source == "import:customers.csv")
            .group_by(AuditLog.action)
        ).all()
        assert dict(audited) == {"customer.create": 4}


def test_reimport_writes_nothing_then_updates_only_what_changed(engine, tmp_path) -> None:
    import_example(engine)
    before = store_state(engine)
    for name in EXAMPLE:
        report = run(engine, name)
        assert (report.created, report.updated, report.rejected) == (0, 0, []), name
        assert not report.written
    assert store_state(engine) == before  # rows, audit entries and the change counter

    rows = list(csv.reader((FILES / "customers.csv").open(encoding="utf-8-sig")))
    rows[2][8] = "022-1111 2222"  # C002's phone
    write_csv(tmp_path / "customers.csv", rows)
    with read_session(engine) as s:
        seqs = dict(s.execute(select(Customer.external_id, Customer.change_seq)).all())
    report = run(engine, "customers", tmp_path)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    with read_session(engine) as s:
        after = dict(s.execute(select(Customer.external_id, Customer.change_seq)).all())
        assert {k for k in after if after[k] != seqs[k]} == {"oldcrm:C002"}
        assert by_external_id(s, Customer, "oldcrm:C002").phone == "022-1111 2222"
        new_audit = s.scalars(
            select(AuditLog.action).where(AuditLog.change_seq > before["change_counter"])
        ).all()
        assert new_audit == ["customer.update"]

    # An open project the source now shows as won is closed like the app would close it.
    rows = list(csv.reader((FILES / "projects.csv").open(encoding="utf-8")))
    rows[3][5], rows[3][9] = "赢单", "2024-09-30"  # J1003
    write_csv(tmp_path / "projects.csv", rows)
    report = run(engine, "projects", tmp_path)
    assert (report.updated, report.unchanged) == (1, 3), report.text("en")
    with read_session(engine) as s:
        project = by_external_id(s, Project, "oldcrm:J1003")
        assert (project.status, stage_code(s, project.stage_id)) == ("won", "oc_won")
        contract = s.scalars(select(Contract).where(Contract.project_id == project.id)).one()
        assert contract.signed_date == dt.date(2024, 9, 30)
        last = s.scalars(
            select(ProjectStageHistory)
            .where(ProjectStageHistory.project_id == project.id)
            .order_by(ProjectStageHistory.changed_at.desc(), ProjectStageHistory.id.desc())
        ).first()
        assert (last.change_type, stage_code(s, last.from_stage_id)) == ("won", "oc_proposal")


# --- bad rows: the report, all-or-nothing, partial -----------------------------------------


def test_bad_rows_are_reported_and_all_or_nothing_or_partial(engine, org, tmp_path) -> None:
    rows = [customer_row(i) for i in range(30)]
    rows[4][2] = "大客户"  # file row 6: not a customer type
    rows[14][5] = "查无此人"  # file row 16: nobody of that name
    rows[24][1], rows[24][6] = "华东😀集团", "2024/13/45"  # file row 26: two problems
    source = write_csv(tmp_path / "customers.csv", [CUSTOMERS_HEADER, *rows])
    mapping = write_yaml(tmp_path / "customers.yaml", CUSTOMERS_MAPPING)
    expected = {
        6: {"类型": "Invalid choice: 大客户"},
        16: {"负责人": "No match for '查无此人'"},
        26: {"名称": "Must not contain emoji", "创建日期": "Enter a valid date"},
    }
    before = store_state(engine)

    dry = import_file(source, mapping, engine=engine, dry_run=True)
    assert (dry.rows_read, dry.created, len(dry.rejected)) == (30, 27, 3)
    assert rejections(dry) == expected
    assert "第 16 行，“负责人”列：找不到“查无此人”" in dry.text()
    assert store_state(engine) == before

    strict = import_file(source, mapping, engine=engine)
    assert rejections(strict) == expected and strict.exit_code == 1 and not strict.written
    assert "3 rows rejected, so nothing was written" in strict.text("en")
    assert store_state(engine) == before
    assert not (tmp_path / "customers.rejects.csv").exists()

    partial = import_file(source, mapping, engine=engine, partial=True)
    assert (partial.created, partial.written, partial.exit_code) == (27, True, 1)
    assert partial.rejects_path == tmp_path / "customers.rejects.csv"
    raw = partial.rejects_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    rejected = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rejected[0] == [*CUSTOMERS_HEADER, "行号", "出错列", "错误原因"]
    assert [(r[0], r[7]) for r in rejected[1:]] == [("K004", "6"), ("K014", "16"), ("K024", "26")]
    assert set(rejected[3][8].split("; ")) == {"名称", "创建日期"}
    with read_session(engine) as s:
        external = set(s.scalars(select(Customer.external_id)))
        assert len(external) == 27 and "legacy:K004" not in external
        sources = s.scalars(select(AuditLog.source).where(AuditLog.entity == "customers")).all()
        assert sources == ["import:customers.csv"] * 27

    # Fixed in the rejects file, the rows import with the same mapping.
    rejected[1][2] = "最终用户"
    rejected[2][5] = "rep"
    rejected[3][1], rejected[3][6] = "华东集团", "2024/1/15"
    fixed = write_csv(tmp_path / "fixed.csv", rejected, encoding="utf-8-sig")
    report = import_file(fixed, mapping, engine=engine)
    assert (report.created, report.rejected) == (3, []), report.text("en")


# --- files: encodings and Excel --------------------------------------------------------------

NAMES = ["华北电力设计院", "天津宏泰发电有限公司", "沧州石化集团", "成都博远电力设计研究院"]


@pytest.mark.parametrize(
    ("encoding", "detected", "extra"),
    [
        ("utf-8", "utf-8", "䶮"),
        ("utf-8-sig", "utf-8-sig", "䶮"),
        ("gbk", "gb18030", ""),  # a GBK export is read as GB18030, its superset
        ("gb18030", "gb18030", "䶮"),  # a character GBK lacks
    ],
)
def test_encodings_are_detected(sqlite_engine, tmp_path, encoding, detected, extra) -> None:
    make_org_user(sqlite_engine)
    rows = [customer_row(i) for i in range(len(NAMES))]
    for row, name in zip(rows, NAMES, strict=True):
        row[1] = name + extra
    source = write_csv(tmp_path / "c.csv", [CUSTOMERS_HEADER, *rows], encoding=encoding)
    mapping = write_yaml(tmp_path / "c.yaml", CUSTOMERS_MAPPING)
    report = import_file(source, mapping, engine=sqlite_engine)
    assert report.ok and report.encoding == detected, report.text("en")
    with read_session(sqlite_engine) as s:
        assert sorted(s.scalars(select(Customer.name))) == sorted(n + extra for n in NAMES)


def test_encoding_option_and_gbk_alias(sqlite_engine, tmp_path) -> None:
    make_org_user(sqlite_engine)
    rows = [CUSTOMERS_HEADER, *(customer_row(i) for i in range(3))]
    source = write_csv(tmp_path / "c.csv", rows, encoding="gbk")
    mapping = write_yaml(tmp_path / "c.yaml", CUSTOMERS_MAPPING)
    report = import_file(source, mapping, engine=sqlite_engine, encoding="gbk", dry_run=True)
    assert report.ok and report.encoding == "gb18030"
    wrong = import_file(source, mapping, engine=sqlite_engine, encoding="utf-8")
    assert wrong.exit_code == 2 and wrong.problems[0][1].code == "undecodable_as"


def make_org_user(engine: Engine) -> None:
    from ingest.commands.users import UserInput, add_user

    add_user(engine, None, UserInput("rep", "王小明", "rep", "long-password", department="north"))


def test_excel_file_with_a_title_row_dates_and_numbers(engine, org, tmp_path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "客户清单"
    sheet.append(["客户清单（2024年导出）"])
    sheet.append(CUSTOMERS_HEADER)
    sheet.append(
        [10023, "华北电力设计院", "设计院", "电力", "华北", "rep", dt.datetime(2022, 3, 15)]
    )
    sheet.append([10024, "天津宏泰发电有限公司", "最终用户", "电力", "华北", "rep2", 20220508])
    sheet.append([])  # Excel row 5 is empty; numbering must not shift
    sheet.append([10025, "沧州石化集团", "最终用户", "石油化工", "华北", "无名氏", "2022/9/12"])
    sheet.append([10026.0, "成都博远", "SI客户", "制造业", "西南", "rep", 45000])  # a serial day
    path = tmp_path / "customers.xlsx"
    book.save(path)
    mapping = write_yaml(
        tmp_path / "c.yaml", {**CUSTOMERS_MAPPING, "sheet": "客户清单", "header_row": 2}
    )
    report = import_file(path, mapping, engine=engine, partial=True)
    assert (report.created, codes(report)) == (3, {6: {"负责人": "unresolved_reference"}})
    with read_session(engine) as s:
        created = dict(s.execute(select(Customer.external_id, Customer.created_at)).all())
    assert created == {
        "legacy:10023": dt.datetime(2022, 3, 15),
        "legacy:10024": dt.datetime(2022, 5, 8),
        "legacy:10026": dt.datetime(2023, 3, 15),
    }
    rejected = list(csv.reader(report.rejects_path.open(encoding="utf-8-sig")))
    assert rejected[1][:6] == ["10025", "沧州石化集团", "最终用户", "石油化工", "华北", "无名氏"]
    assert rejected[1][7] == "6"


# --- dry run, references, historic rules -----------------------------------------------------


def test_dry_run_writes_nothing(engine) -> None:
    import_example(engine, upto="projects")
    before = store_state(engine)
    report = run(engine, "projects", dry_run=True)
    assert (report.created, report.rejected, report.written) == (4, [], False)
    assert report.sales_mode_created == "oldcrm_pipeline"
    assert "would create 4" in report.text("en")
    assert store_state(engine) == before
    with read_session(engine) as s:
        assert s.scalar(select(SalesMode.id).where(SalesMode.code == "oldcrm_pipeline")) is None


PROJECT_HEADER = next(csv.reader((FILES / "projects.csv").open(encoding="utf-8")))


def project_rows(*changes: dict[int, str]) -> list[list[str]]:
    """The example's open project J1003 once per change, each under its own id."""
    base = list(csv.reader((FILES / "projects.csv").open(encoding="utf-8")))[3]
    rows = []
    for i, change in enumerate(changes):
        row = list(base)
        row[0] = f"X{i}"
        for column, value in change.items():
            row[column] = value
        rows.append(row)
    return [PROJECT_HEADER, *rows]


def test_references_that_do_not_resolve_are_errors(sqlite_engine, tmp_path) -> None:
    import_example(sqlite_engine, upto="projects")
    with read_session(sqlite_engine) as s:
        wang = s.scalar(select(User.id).where(User.username == "wangwei"))
    for _ in range(2):
        make_customer(sqlite_engine, wang, "重名客户")
    source = write_csv(
        tmp_path / "projects.csv",
        project_rows(
            {2: "不存在公司"},
            {2: "重名客户"},
            {3: "王五"},
            {4: "Negotiaton"},
            {4: "si_negotiation"},
            {5: "赢了"},
            {10: "FT-4900 x 1; FT-9999 x 2"},
            {10: "FT-4900 x many"},
        ),
    )
    report = import_file(source, FILES / "projects.yaml", engine=sqlite_engine)
    assert report.created == 0 and not report.written
    assert rejections(report) == {
        2: {"客户": "No match for '不存在公司'"},
        3: {"客户": "'重名客户' matches 2 records; cannot tell which"},
        4: {"销售": "No match for '王五'"},
        5: {"阶段": "Invalid choice: Negotiaton"},
        6: {"阶段": "This stage belongs to another sales mode"},
        7: {"状态": "'赢了' is not among the values the mapping lists for this column"},
        8: {"产品明细": "Product item 2: No match for 'FT-9999'"},
        9: {"产品明细": "Product item 1: Enter a whole number"},
    }


def test_historic_projects_keep_the_apps_rules(sqlite_engine, tmp_path) -> None:
    import_example(sqlite_engine, upto="projects")
    today = dt.date.today()
    source = write_csv(
        tmp_path / "projects.csv",
        project_rows(
            {5: "输单", 9: "2024-06-01"},  # lost without a reason
            {5: "赢单"},  # won without a signing date
            {5: "输单", 8: "价格过高", 9: "2024-01-01"},  # closed before it was created
            {5: "赢单", 9: (today + dt.timedelta(days=3)).isoformat()},  # signed in the future
            {6: "2000000"},  # 200 亿
            {1: "扩容'; DROP TABLE projects"},
            {9: "2024-06-01"},  # open, yet closed
            {11: "2030-01-01"},  # created in the future
            {7: "2024-01-01"},  # expected to close before it was created
        ),
    )
    report = import_file(source, FILES / "projects.yaml", engine=sqlite_engine)
    assert codes(report) == {
        2: {"输单原因": "required"},
        3: {"关闭日期": "required"},
        4: {"关闭日期": "date_before"},
        5: {"关闭日期": "future_date"},
        6: {"预计金额(万元)": "too_large"},
        7: {"项目名称": "sql"},
        8: {"关闭日期": "project_not_closed"},
        9: {"创建日期": "future_time"},
        10: {"预计签约日期": "close_before_created"},
    }
    assert rejections(report)[4] == {"关闭日期": "Date must not be before 2024-03-05"}


def history_path(engine: Engine, external_id: str) -> list[tuple[Any, ...]]:
    with read_session(engine) as s:
        return stage_path(s, by_external_id(s, Project, external_id).id)


def test_stage_history_in_any_order_makes_one_path(sqlite_engine, tmp_path) -> None:
    import_example(sqlite_engine, upto="stage_history")
    header = ["记录编号", "项目编号", "阶段", "原阶段", "变更时间"]
    rows = [
        ["H8", "J1003", "Proposal", "", "2024-06-01 09:00"],  # listed before the earlier one
        ["H7", "J1003", "初步接洽", "", "2024-03-05 00:00"],  # at creation: where it started
        ["H6", "J1002", "Proposal", "Negotiation", "2023-04-12 11:00"],  # says where it came from
        ["H11", "J1002", "Negotiation", "", "2023-09-01 10:00"],  # after it was lost
        ["H12", "J1002", "Qualify", "", "2023-01-15 10:00"],  # before it was created
    ]
    source = write_csv(tmp_path / "history.csv", [header, *rows])
    mapping = yaml.safe_load((FILES / "stage_history.yaml").read_text("utf-8"))
    mapping["columns"]["from_stage"] = "原阶段"
    del mapping["columns"]["note"]
    mapping_path = write_yaml(tmp_path / "history.yaml", mapping)
    report = import_file(source, mapping_path, engine=sqlite_engine, partial=True)
    assert report.created == 3
    assert codes(report) == {5: {"变更时间": "project_closed"}, 6: {"变更时间": "date_before"}}
    assert history_path(sqlite_engine, "oldcrm:J1003") == [
        ("created", None, "oc_qualify", dt.datetime(2024, 3, 5)),
        ("stage", "oc_qualify", "oc_proposal", dt.datetime(2024, 6, 1, 9)),
    ]
    assert history_path(sqlite_engine, "oldcrm:J1002") == [
        ("created", None, "oc_negotiation", dt.datetime(2023, 2, 1)),
        ("stage", "oc_negotiation", "oc_proposal", dt.datetime(2023, 4, 12, 11)),
        ("lost", "oc_proposal", "oc_proposal", dt.datetime(2023, 8, 20, 23, 59, 59)),
    ]
    again = import_file(source, mapping_path, engine=sqlite_engine, partial=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    rows[0][4] = "2024-05-01 09:00"
    write_csv(tmp_path / "history.csv", [header, *rows[:3]])
    changed = import_file(source, mapping_path, engine=sqlite_engine)
    assert (changed.updated, changed.unchanged) == (1, 2)
    assert history_path(sqlite_engine, "oldcrm:J1003")[-1][3] == dt.datetime(2024, 5, 1, 9)


def test_only_stewards_and_admins_import(engine, org) -> None:
    import_example(engine, upto="contacts")
    refused = run(engine, "contacts", actor_id=org.rep)
    assert refused.exit_code == 2 and [m.code for _, m in refused.problems] == ["forbidden"]
    assert "您没有权限执行此操作" in refused.text()
    assert run(engine, "contacts", actor_id=org.steward).created == 3
    assert run(engine, "users", actor_id=org.steward).exit_code == 2  # accounts: admins only
    assert run(engine, "products", actor_id=org.steward).created == 3
    # A new sales mode is an admin's decision; once it exists, a steward imports into it.
    refused = run(engine, "projects", actor_id=org.steward)
    assert [m.code for _, m in refused.problems] == ["sales_mode_admin"]
    assert "crm sales-mode add --file" in refused.text("en")
    assert run(engine, "projects", actor_id=org.admin, dry_run=True).created == 4
    with read_session(engine) as s:
        audit_actor = s.scalars(
            select(AuditLog.actor_id).where(AuditLog.source == "import:contacts.csv")
        ).all()
    assert audit_actor == [org.steward] * 3


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRM_STORE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str]:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.output

    return invoke


def test_cli_end_to_end(crm, tmp_path) -> None:
    assert crm("init")[0] == 0
    for name, role in (("admin", "admin"), ("steward", "data_steward"), ("xiaoli", "rep")):
        assert crm("user", "add", name, "--role", role, "--password", "long-password")[0] == 0

    def imp(name: str, *options: str) -> tuple[int, str]:
        return crm("import", FILES / f"{name}.csv", "--mapping", FILES / f"{name}.yaml", *options)

    code, out = imp("users")
    assert code == 0 and "读取 3 行：新建 3" in out
    code, out = imp("customers", "--as", "steward", "--lang", "en")
    assert code == 0 and "4 rows read: 4 created" in out
    assert "Written; audit source import:customers.csv" in out
    assert imp("contacts", "--as", "xiaoli")[0] == 2  # a rep may not import
    assert "You are not allowed" in imp("contacts", "--as", "xiaoli", "--lang", "en")[1]
    assert imp("products", "--as", "steward")[0] == 0

    code, out = crm("sales-mode", "add", "--file", FILES / "projects.yaml")
    assert code == 0
    assert out == (
        "added sales mode oldcrm_pipeline (id 3): oc_qualify → oc_proposal → oc_negotiation"
        " → oc_won\n"
    )
    assert imp("projects", "--as", "steward")[0] == 0  # the mode exists: no admin needed
    code, out = crm(
        "sales-mode",
        "add",
        "tender",
        "--name-zh",
        "招投标",
        "--name-en",
        "Tender",
        "--stage",
        "t_bid:投标:Bid:0.3:pipeline",
        "--stage",
        "t_won:中标:Won",
    )
    assert code == 0 and "t_bid → t_won" in out
    code, out = crm("sales-mode", "add", "tender", "--stage", "x:甲:A:0.1:pipeline")
    assert code == 2 and "error: code: A record with this value already exists" in out

    bad = tmp_path / "bad.csv"
    rows = list(csv.reader((FILES / "contacts.csv").open(encoding="utf-8")))
    rows[2][1] = "没有这个客户"
    write_csv(bad, rows)
    code, out = crm("import", bad, "--mapping", FILES / "contacts.yaml", "--dry-run")
    assert code == 1
    assert "第 3 行，“客户”列：找不到“没有这个客户”" in out and "试运行" in out
    code, out = crm("import", bad, "--mapping", FILES / "contacts.yaml", "--partial")
    assert code == 1 and "读取 3 行：新建 2" in out and "bad.rejects.csv" in out
    assert (tmp_path / "bad.rejects.csv").exists()

    broken = write_yaml(tmp_path / "broken.yaml", {"source": "x1", "entity": "widgets"})
    code, out = crm("import", bad, "--mapping", broken, "--lang", "en")
    assert code == 2
    assert "entity: Invalid choice: widgets" in out and "columns: This field is required" in out
    assert crm("import", "--help")[0] == 0


# --- values and mapping files, without a store ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2024-03-05", "2024/3/5", "2024.03.05", "20240305", "2024年3月5日", " 2024-3-5 ", 20240305],
)
def test_dates_in_common_forms(text) -> None:
    assert parse_date(text) == dt.date(2024, 3, 5)


def test_dates_that_need_a_format_and_times() -> None:
    with pytest.raises(Unparsable) as refused:
        parse_date("05/03/2024")
    assert refused.value.message.code == "ambiguous_date"
    assert parse_date("05/03/2024", "%d/%m/%Y") == dt.date(2024, 3, 5)
    assert parse_date("2024-03-05", "%d/%m/%Y") == dt.date(2024, 3, 5)  # unambiguous still fine
    assert parse_datetime("2024年3月5日 14:30") == dt.datetime(2024, 3, 5, 14, 30)
    assert parse_datetime("2024-03-05T14:30:00+08:00") == dt.datetime(2024, 3, 5, 6, 30)
    assert parse_date(45356) == dt.date(2024, 3, 5)  # an Excel serial day
    with pytest.raises(Unparsable):
        parse_date("2024-02-30")


@pytest.mark.parametrize(
    ("text", "unit", "amount"),
    [
        ("1,234,567.89", "yuan", "1234567.89"),
        ("¥1,000", "yuan", "1000"),
        ("￥ 2,350.00元", "yuan", "2350.00"),
        ("12.5", "wan", "125000.0"),
        ("12.5万", "wan", "125000.0"),
        ("12.5万元", "auto", "125000.0"),
        ("800", "auto", "800"),
        ("１２３", "yuan", "123"),
        (1500.5, "yuan", "1500.5"),
    ],
)
def test_amounts(text, unit, amount) -> None:
    assert parse_amount(text, unit) == Decimal(amount)


def test_amounts_refused() -> None:
    for text, unit, code in (("12万", "yuan", "wan_not_allowed"), ("abc", "yuan", "not_a_number")):
        with pytest.raises(Unparsable) as refused:
            parse_amount(text, unit)
        assert refused.value.message.code == code


def test_product_lines_and_flags() -> None:
    assert parse_lines("FT-2900 x 2 @ 185,000; SVC-INST；XR-1*3") == [
        (1, "FT-2900", "2", Decimal("185000")),
        (2, "SVC-INST", None, None),
        (3, "XR-1", "3", None),
    ]
    assert [parse_bool(v) for v in ("是", "否", "Y", "0", "在职")] == [
        True,
        False,
        True,
        False,
        True,
    ]


def test_mapping_files_are_checked_in_full() -> None:
    with pytest.raises(MappingError) as refused:
        parse_mapping(
            {
                "source": "Old CRM",
                "entity": "projects",
                "columns": {
                    "name": "项目名称",
                    "colour": "颜色",
                    "status": {"column": "状态", "value": "open"},
                    "expected_amount": {"column": "金额", "unit": "dollar"},
                    "owner": {"column": "销售", "by": "email"},
                },
                "date_format": "dd/mm/yyyy",
                "timezone": "Mars/Olympus",
            }
        )
    assert refused.value.codes == {
        "source": "invalid_code",
        "id_column": "required",
        "columns.colour": "unknown_setting",
        "columns.status": "column_or_value",
        "columns.expected_amount.unit": "invalid_choice",
        "columns.owner.by": "invalid_choice",
        "date_format": "invalid_date_format",
        "timezone": "invalid_choice",
    }
    mapping = parse_mapping(yaml.safe_load((FILES / "projects.yaml").read_text("utf-8")))
    assert mapping.fields["sales_mode"].constant == "oldcrm_pipeline"
    assert mapping.fields["stage"].aliases == {"won": "oc_won", "赢单": "oc_won"}
    # YAML 1.1 would read `Yes:` as true; mapping files keep it a word.
    from ingest.importer.mapping import _Loader

    assert yaml.load("{Yes: won, on: 1}", Loader=_Loader) == {"Yes": "won", "on": 1}


def test_encoding_detection_on_short_chinese_text() -> None:
    text = "客户编号,客户名称\n1,张三\n"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding("\ufeff".encode() + text.encode()) == "utf-8-sig"
    assert detect_encoding(text.encode("utf-16")) == "utf-16"


def test_example_files_are_the_documented_ones() -> None:
    """docs/import.md shows these files; keep them in step."""
    doc = (Path(__file__).parents[2] / "docs" / "import.md").read_text("utf-8")
    for name in ("projects.yaml", "stage_history.yaml", "customers.yaml"):
        assert (FILES / name).read_text("utf-8").strip() in doc, name
    for name in EXAMPLE:
        assert f"{name}.csv" in doc
