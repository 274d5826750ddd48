"""Migrating from Salesforce and HubSpot with the ready-made mappings of docs/import/, the
rules that make their exports import as they are (closed deals without an expected close
date, lost deals without an amount, deals without a creation date), `create_missing`
reference values, and the guide's table of required fields and defaults."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from crm.cli import main
from ingest.commands.users import UserInput, add_user
from ingest.importer import ImportReport, import_file
from ingest.importer.fields import ENTITY_FIELDS, FIELD_RULES, fields_markdown
from ingest.importer.mapping import MappingError, parse_mapping
from ingest.importer.undo import undo_import
from ingest.importer.values import cell_text
from ingest.store.db import get_engine, read_session
from ingest.store.models import (
    Contract,
    Customer,
    CustomerType,
    Department,
    Industry,
    LossReason,
    Project,
    Region,
    Stage,
    User,
    UserIndustry,
)
from tests.support.factories import make_customer
from tests.support.hostile import EXAMPLES, PAYLOADS, fingerprint, hostile_text, repeatable
from tests.support.import_files import (
    EXAMPLE,
    EXPORTS,
    FILES,
    MAPPINGS,
    codes,
    import_example,
    import_export,
    rejections,
    store_state,
    write_csv,
)

ROOT = Path(__file__).parents[2]


def code(session: Any, model: Any, row_id: int | None) -> str | None:
    return None if row_id is None else session.get(model, row_id).code


def source_rows(name: str) -> list[dict[str, str]]:
    with (EXPORTS / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def add_person(engine: Engine, username: str, name: str, role: str = "rep") -> int:
    return add_user(
        engine,
        None,
        UserInput(
            username=username,
            display_name=name,
            role=role,
            password="long-password-1",
            department="north",
        ),
    )


# --- the guide's table ------------------------------------------------------------------


def test_the_guide_lists_every_fields_requirement_and_default_as_the_code_does() -> None:
    assert {e: list(f) for e, f in FIELD_RULES.items()} == {
        e: list(f) for e, f in ENTITY_FIELDS.items()
    }
    doc = (ROOT / "docs" / "import.md").read_text("utf-8")
    table = doc.split("<!-- fields:start -->\n")[1].split("\n<!-- fields:end -->")[0]
    assert table == fields_markdown(), "run python -m ingest.importer.fields into docs/import.md"
    assert "| `expected_close_date` | date | open deals |" in table
    for name in ("salesforce_users", "salesforce_accounts", "salesforce_opportunities"):
        assert (MAPPINGS / f"{name}.yaml").exists()


# --- Salesforce -------------------------------------------------------------------------


def test_salesforce_data_export_imports_with_the_ready_made_mappings(sqlite_engine) -> None:
    users = import_export(sqlite_engine, "salesforce/User.csv", "salesforce_users")
    assert users.ok and users.created == 3, users.text("en")
    assert users.references_created == [("department", "enterprise_sales", "Enterprise Sales")]
    assert "Created department enterprise_sales (Enterprise Sales)" in users.text("en")
    accounts = import_export(sqlite_engine, "salesforce/Account.csv", "salesforce_accounts")
    assert accounts.ok and accounts.created == 3, accounts.text("en")
    assert accounts.references_created == [
        ("industry", "technology", "Technology"),
        ("region", "texas", "Texas"),
    ]
    deals = import_export(sqlite_engine, "salesforce/Opportunity.csv", "salesforce_opportunities")
    assert deals.ok and deals.created == 5, deals.text("en")
    assert deals.sales_mode_created == "salesforce"

    with read_session(sqlite_engine) as s:
        people = {u.external_id: u for u in s.scalars(select(User)) if u.external_id}
        keys = ("AnnLeeAAA", "BoChenAAA", "CyWuAAAAA")
        ann, bo, cy = (people[f"salesforce:0055g00000{k}"] for k in keys)
        assert [(u.username, u.display_name, u.role, u.is_active) for u in (ann, bo, cy)] == [
            ("ann.lee@example.com", "Ann Lee", "rep", True),
            ("bo.chen@example.com", "Bo Chen", "rep", True),
            ("cy.wu@example.com", "Cy Wu", "rep", False),
        ]
        assert [code(s, Department, u.department_id) for u in (ann, bo, cy)] == [
            "enterprise_sales",
            "enterprise_sales",
            "north",  # "North Region" is the English name of an existing department
        ]
        assert (bo.manager_id, cy.manager_id) == (ann.id, ann.id)
        assert ann.created_at == dt.datetime(2021, 2, 1, 8)

        customers = {c.external_id: c for c in s.scalars(select(Customer))}
        assert {
            k.removeprefix("salesforce:0015g00000"): (
                c.name,
                code(s, CustomerType, c.customer_type_id),
                c.status,
                code(s, Industry, c.industry_id),
                code(s, Region, c.region_id),
                c.owner_id,
                c.city,
            )
            for k, c in customers.items()
        } == {
            "NorthwAAA": (
                "Northwind Power Co.",
                "end_user",
                "formal",
                "power",
                "north_china",
                bo.id,
                "Tianjin",
            ),
            "ContosAAA": (
                "Contoso Robotics",
                "end_user",
                "prospect",
                "technology",
                "east_china",
                bo.id,
                "Suzhou",
            ),
            "FabrikAAA": (
                "Fabrikam Chemicals",
                "si_customer",
                "formal",
                "petrochemical",
                "texas",
                ann.id,
                "Austin",
            ),
        }
        technology = s.scalars(select(Industry).where(Industry.code == "technology")).one()
        assert (technology.name_zh, technology.name_en) == ("Technology", "Technology")

        projects = {
            p.external_id.removeprefix("salesforce:0065g00000"): p
            for p in s.scalars(select(Project))
        }
        other = s.scalars(select(LossReason.id).where(LossReason.code == "other")).one()
        stage = {p_id: s.get(Stage, p.stage_id).code for p_id, p in projects.items()}
        assert stage == {
            "Opp001AAA": "sf_won",
            "Opp002AAA": "sf_prospecting",  # the export does not say where it was lost
            "Opp003AAA": "sf_prospecting",
            "Opp004AAA": "sf_negotiation",
            "Opp005AAA": "sf_prospecting",
        }
        # Independently from the file: the status the stage name says, the amount (0 when
        # empty), the close date as the expected close date and, when closed, the close date.
        status_of = {"Closed Won": "won", "Closed Lost": "lost"}
        for row in source_rows("salesforce/Opportunity.csv"):
            p = projects[row["Id"].removeprefix("0065g00000")]
            status = status_of.get(row["StageName"], "open")
            close = dt.date.fromisoformat(row["CloseDate"])
            assert p.status == status
            assert p.expected_amount == Decimal(row["Amount"] or 0)
            assert p.expected_close_date == close
            assert p.closed_date == (close if status != "open" else None)
            assert p.created_at == dt.datetime.fromisoformat(row["CreatedDate"][:19])
            assert p.loss_reason_id == (other if status == "lost" else None)
            assert p.loss_note == (
                "No loss reason in the Salesforce export" if status == "lost" else None
            )
        assert projects["Opp003AAA"].owner_id == cy.id  # left the company, owns a closed deal
        contract = s.scalars(select(Contract)).one()
        assert (contract.project_id, contract.amount, contract.signed_date) == (
            projects["Opp001AAA"].id,
            Decimal("120000.00"),
            dt.date(2023, 6, 18),
        )

    again = import_export(sqlite_engine, "salesforce/Opportunity.csv", "salesforce_opportunities")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


# --- HubSpot ----------------------------------------------------------------------------


def import_hubspot(engine: Engine) -> tuple[ImportReport, ImportReport]:
    add_person(engine, "lina", "Li Na")
    add_person(engine, "wangwei", "Wang Wei")
    companies = import_export(engine, "hubspot/companies.csv", "hubspot_companies")
    assert companies.ok and companies.created == 3, companies.text("en")
    deals = import_export(engine, "hubspot/deals.csv", "hubspot_deals")
    assert deals.ok and deals.created == 5, deals.text("en")
    return companies, deals


def test_hubspot_exports_import_with_the_ready_made_mappings(sqlite_engine) -> None:
    companies, _ = import_hubspot(sqlite_engine)
    assert [(kind, c) for kind, c, _ in companies.references_created] == [
        ("industry", "logistics_and_supply_chain")
    ]
    with read_session(sqlite_engine) as s:
        lina, wang = (
            s.scalars(select(User.id).where(User.username == n)).one() for n in ("lina", "wangwei")
        )
        customers = {c.external_id: c for c in s.scalars(select(Customer))}
        assert {
            k: (
                code(s, CustomerType, c.customer_type_id),
                c.status,
                code(s, Industry, c.industry_id),
                code(s, Region, c.region_id),
                c.owner_id,
            )
            for k, c in customers.items()
        } == {
            "hubspot:5001": ("end_user", "formal", "power", "north_china", lina),
            "hubspot:5002": ("si_customer", "prospect", "petrochemical", "northwest", lina),
            "hubspot:5003": (
                "end_user",
                "prospect",
                "logistics_and_supply_chain",
                "south_china",
                wang,
            ),
        }
        projects = {p.external_id: p for p in s.scalars(select(Project))}
        assert {
            k: (
                p.status,
                s.get(Stage, p.stage_id).code,
                p.expected_amount,
                p.expected_close_date,
                p.closed_date,
                p.created_at,
                p.loss_note,
            )
            for k, p in projects.items()
        } == {
            "hubspot:9001": (
                "won",
                "hs_won",
                Decimal("300000.00"),
                dt.date(2023, 5, 20),
                dt.date(2023, 5, 20),
                dt.datetime(2023, 1, 5, 10),
                None,
            ),
            "hubspot:9002": (
                "lost",
                "hs_appointment",
                Decimal("0.00"),
                dt.date(2023, 9, 30),
                dt.date(2023, 9, 30),
                dt.datetime(2023, 3, 1, 9),
                "Went with a competitor",
            ),
            # No Create Date: created on its earliest date, here its close date.
            "hubspot:9003": (
                "lost",
                "hs_appointment",
                Decimal("0.00"),
                dt.date(2024, 2, 29),
                dt.date(2024, 2, 29),
                dt.datetime(2024, 2, 29),
                "No loss reason in the HubSpot export",
            ),
            # Open, undated, its expected close date passed: not "closing before creation".
            "hubspot:9004": (
                "open",
                "hs_contract_sent",
                Decimal("150000.00"),
                dt.date(2024, 11, 30),
                None,
                dt.datetime(2024, 11, 30),
                None,
            ),
            "hubspot:9005": (
                "open",
                "hs_qualified",
                Decimal("500000.00"),
                dt.date(2030, 6, 30),
                None,
                dt.datetime(2026, 8, 1, 10),
                None,
            ),
        }


def test_open_deals_still_need_an_amount_and_a_close_date(sqlite_engine, tmp_path) -> None:
    import_hubspot(sqlite_engine)
    header = source_rows("hubspot/deals.csv")[0].keys()
    company = ["Li Na", "Huabei Grid Services", "", ""]
    rows = [
        ["9101", "No amount", "Sales Pipeline", "Contract Sent", "", "2030-01-31", "", *company],
        ["9102", "Zero", "Sales Pipeline", "Contract Sent", "0", "2030-01-31", "", *company],
        ["9103", "No date", "Sales Pipeline", "Contract Sent", "100", "", "", *company],
        ["9104", "Won for 0", "Sales Pipeline", "Closed Won", "0", "2024-01-31", "", *company],
        ["9105", "Lost, no date", "Sales Pipeline", "Closed Lost", "", "", "", *company],
    ]
    before = store_state(sqlite_engine)
    report = import_file(
        write_csv(tmp_path / "deals.csv", [list(header), *rows]),
        MAPPINGS / "hubspot_deals.yaml",
        engine=sqlite_engine,
    )
    assert codes(report) == {
        2: {"Amount": "required"},
        3: {"Amount": "not_positive"},
        4: {"Close Date": "required"},
        5: {"Amount": "not_positive"},
        6: {"Close Date": "required"},
    }
    assert store_state(sqlite_engine) == before


# --- create_missing -----------------------------------------------------------------------


def test_creating_reference_values_needs_an_admin(sqlite_engine, tmp_path) -> None:
    add_person(sqlite_engine, "lina", "Li Na")
    add_person(sqlite_engine, "wangwei", "Wang Wei")
    steward = add_person(sqlite_engine, "steward", "Steward", role="data_steward")
    before = store_state(sqlite_engine)
    report = import_export(
        sqlite_engine, "hubspot/companies.csv", "hubspot_companies", actor_id=steward
    )
    assert report.exit_code == 2 and not report.written
    assert {where for where, _ in report.problems} == {
        "columns.industry.create_missing",
        "columns.region.create_missing",
    }
    assert "needs an admin" in report.text("en") and "需要管理员" in report.text()
    assert store_state(sqlite_engine) == before
    # Without create_missing the steward imports, and a value the store lacks is refused.
    mapping = yaml.safe_load((MAPPINGS / "hubspot_companies.yaml").read_text("utf-8"))
    for name in ("industry", "region"):
        del mapping["columns"][name]["create_missing"]
    plain = tmp_path / "companies.yaml"
    plain.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    refused = import_file(
        EXPORTS / "hubspot/companies.csv", plain, engine=sqlite_engine, actor_id=steward
    )
    assert codes(refused) == {4: {"Industry": "unmapped_value"}}
    assert store_state(sqlite_engine) == before


def test_a_created_value_the_app_would_refuse_is_a_field_error(sqlite_engine, tmp_path) -> None:
    add_person(sqlite_engine, "lina", "Li Na")
    header = list(source_rows("hubspot/companies.csv")[0].keys())
    place = ["Beijing", "Beijing", "China", "", "Li Na", "", "", ""]
    rows = [
        ["6001", "Good Co", "", "Mining", *place],
        ["6002", "Bad Co", "", "<script>x</script>", *place],
        ["6003", "Long Co", "", "X" * 120, *place],
    ]
    source = write_csv(tmp_path / "companies.csv", [header, *rows])
    before = store_state(sqlite_engine)
    report = import_file(source, MAPPINGS / "hubspot_companies.yaml", engine=sqlite_engine)
    assert codes(report) == {3: {"Industry": "markup"}, 4: {"Industry": "too_long"}}
    assert store_state(sqlite_engine) == before  # all or nothing: Mining is not kept either
    partial = import_file(
        source, MAPPINGS / "hubspot_companies.yaml", engine=sqlite_engine, partial=True
    )
    assert partial.created == 1 and partial.references_created == [("industry", "mining", "Mining")]
    with read_session(sqlite_engine) as s:
        hashed = select(Industry.code).where(Industry.code.like("industry_%"))
        assert s.scalars(hashed).all() == []
    assert rejections(partial)[3] == {"Industry": rejections(report)[3]["Industry"]}


def test_undo_takes_created_values_back_unless_others_use_them(engine, monkeypatch) -> None:
    """On both stores: a refused delete must not abort PostgreSQL's undo transaction."""
    lina = add_person(engine, "lina", "Li Na")
    add_person(engine, "wangwei", "Wang Wei")
    before = store_state(engine)
    first = import_export(engine, "hubspot/companies.csv", "hubspot_companies")
    assert first.written and first.import_id is not None
    undo_import(first.import_id, engine=engine)
    with read_session(engine) as s:
        created = select(Industry).where(Industry.code == "logistics_and_supply_chain")
        assert s.scalars(created).all() == []
    after = store_state(engine)
    assert {k: v for k, v in after.items() if k not in ("audit_log", "change_counter")} == {
        k: v for k, v in before.items() if k not in ("audit_log", "change_counter")
    }

    second = import_export(engine, "hubspot/companies.csv", "hubspot_companies")
    assert second.references_created == first.references_created
    make_customer(engine, lina, "A rep's own customer", industry="logistics_and_supply_chain")
    monkeypatch.setenv("CRM_STORE_URL", engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(main, ["import", "--undo", str(second.import_id), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Kept industry logistics_and_supply_chain: the import created it, and other" in (
        result.output
    )
    with read_session(engine) as s:
        assert s.scalars(select(Customer.name)).all() == ["A rep's own customer"]
        assert s.scalars(
            select(Industry.is_active).where(Industry.code == "logistics_and_supply_chain")
        ).one()


def test_create_missing_is_checked_in_the_mapping_and_listed_by_a_dry_run(sqlite_engine) -> None:
    base = {"source": "crm", "entity": "customers", "id_column": "Id"}
    with pytest.raises(MappingError) as refused:
        parse_mapping(
            {
                **base,
                "columns": {
                    "name": {"column": "Name", "create_missing": True},
                    "industry": {"column": "Industry", "create_missing": "yes"},
                },
            }
        )
    assert {k: m.code for k, m in refused.value.errors.items()} == {
        "columns.name.create_missing": "create_missing_here",
        "columns.industry.create_missing": "invalid_choice",
    }
    add_person(sqlite_engine, "lina", "Li Na")
    add_person(sqlite_engine, "wangwei", "Wang Wei")
    before = store_state(sqlite_engine)
    dry = import_export(sqlite_engine, "hubspot/companies.csv", "hubspot_companies", dry_run=True)
    assert dry.ok and dry.created == 3
    assert "将新建行业 logistics_and_supply_chain（Logistics and Supply Chain）" in dry.text()
    assert store_state(sqlite_engine) == before


# --- hostile values to create ----------------------------------------------------------------


@pytest.fixture(scope="module")
def hubspot_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("hubspot") / "crm.db"
    shutil.copy(sqlite_template, path)
    engine = get_engine(f"sqlite:///{path}")
    add_person(engine, "lina", "Li Na")
    engine.dispose()
    return path


@repeatable(30)
@given(data=st.data())
def test_a_hostile_value_to_create_is_refused_by_its_column_or_created_as_given(
    hubspot_template: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    cell = data.draw(
        st.one_of(
            hostile_text().filter(lambda value: isinstance(value, str)),
            st.sampled_from(PAYLOADS),
        ),
        label="Industry",
    )
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(hubspot_template, folder / "crm.db")
    engine = get_engine(f"sqlite:///{folder / 'crm.db'}")
    header = list(source_rows("hubspot/companies.csv")[0].keys())
    row = ["7001", "Hostile Co", "", cell, "Beijing", "Beijing", "China", "", "Li Na", "", "", ""]
    path = write_csv(folder / "companies.csv", [header, row])
    before = fingerprint(engine)
    report = import_file(path, MAPPINGS / "hubspot_companies.yaml", engine=engine)
    assert not report.problems, report.text("en")
    for locale in ("zh_CN", "en"):
        assert report.text(locale)
    if report.rejected:
        assert [column for column, _ in report.rejected[0].errors] == ["Industry"]
        assert fingerprint(engine) == before and not report.written
        EXAMPLES["import create_missing"] += 1
        return
    with read_session(engine) as s:
        customer = s.scalars(select(Customer).where(Customer.external_id == "hubspot:7001")).one()
        industry = s.get(Industry, customer.industry_id)
        if report.references_created:
            assert report.references_created == [("industry", industry.code, cell_text(cell))]
            assert industry.name_zh == industry.name_en == cell_text(cell)
        else:  # an industry the store has, by code or name, or one the mapping lists
            assert industry.created_at < customer.created_at
    EXAMPLES["import create_missing"] += 1


def test_every_field_the_guide_calls_required_is_refused_empty(sqlite_engine, tmp_path) -> None:
    """The table's "yes" is behaviour: on the worked example of docs/import.md, a row whose
    cell of such a field is empty is refused with "required" on that column."""
    import_example(sqlite_engine)
    checked = 0
    for entity in EXAMPLE:
        mapping = yaml.safe_load((FILES / f"{entity}.yaml").read_text("utf-8"))
        with (FILES / f"{entity}.csv").open(encoding="utf-8-sig", newline="") as handle:
            header, first, *_ = list(csv.reader(handle))
        required = [
            (name, spec if isinstance(spec, str) else spec.get("column"))
            for name, spec in mapping["columns"].items()
            if FIELD_RULES[entity][name][0] == "yes"
        ]
        rows = []
        for number, (_, column) in enumerate(required):
            row = list(first)
            row[header.index(mapping["id_column"])] = f"R{number}"
            row[header.index(column)] = ""
            rows.append(row)
        report = import_file(
            write_csv(tmp_path / f"{entity}.csv", [header, *rows]),
            FILES / f"{entity}.yaml",
            engine=sqlite_engine,
            dry_run=True,
        )
        found = codes(report)
        for number, (name, column) in enumerate(required, start=2):
            assert found[number][column] == "required", (entity, name, found.get(number))
            checked += 1
    assert checked >= 20


def test_several_values_in_one_cell_are_created_once_each(sqlite_engine, tmp_path) -> None:
    source = write_csv(
        tmp_path / "users.csv",
        [
            ["No", "Login", "Name", "Industries"],
            ["1", "zhou", "Zhou", "电力, Mining, 石油天然气"],
            ["2", "qian", "Qian", "mining；石油天然气"],
        ],
    )
    mapping = {
        "source": "sheet",
        "entity": "users",
        "id_column": "No",
        "columns": {
            "username": "Login",
            "display_name": "Name",
            "role": {"value": "rep"},
            "industries": {"column": "Industries", "create_missing": True},
        },
    }
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    report = import_file(source, path, engine=sqlite_engine)
    assert report.ok and report.created == 2, report.text("en")
    oil = "industry_" + hashlib.sha1("石油天然气".encode()).hexdigest()[:8]
    assert report.references_created == [
        ("industry", "mining", "Mining"),
        ("industry", oil, "石油天然气"),
    ]
    with read_session(sqlite_engine) as s:
        held = s.execute(
            select(User.username, Industry.code)
            .join(UserIndustry, UserIndustry.user_id == User.id)
            .join(Industry, Industry.id == UserIndustry.industry_id)
        ).all()
    assert sorted(held) == sorted(
        [("zhou", "power"), ("zhou", "mining"), ("zhou", oil), ("qian", "mining"), ("qian", oil)]
    )
