"""The survey's story end to end in a real browser, in Chinese and in English.

A rep enters a lead; the manager qualifies it into a project of the project-type sales
mode and assigns it; the rep moves it through stages, adds a competitor and an expense and
submits a reimbursement form; the manager and finance approve it and the voucher PDF
downloads with the Chinese amount line; the rep closes the project lost with a reason.
Every step is checked in the store; screenshots are kept under tests/e2e/artifacts/.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from ingest.commands.expenses import amount_in_chinese
from ingest.demo_accounts import DEMO_PASSWORD
from ingest.messages import CATALOG as MESSAGES
from ingest.store.db import read_session
from ingest.store.models import (
    Competitor,
    Expense,
    ExpenseReport,
    Lead,
    LossReason,
    Project,
    ProjectCompetitor,
    SalesMode,
    Stage,
)
from tests.support.pdf_text import pdf_text
from web.i18n import CATALOG

TIMEOUT_MS = 20_000


def wait_for(check: Callable[[], Any], seconds: float = 20) -> Any:
    """Poll the store until `check` returns something truthy (the app writes async)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"store never reached the expected state: {check.__doc__}")
        time.sleep(0.2)


class Person:
    """One signed-in user in their own browser context."""

    def __init__(self, browser: Any, server: Any, lang: str, shots: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.server, self.lang, self.shots = server, lang, shots

    def t(self, key: str, **params: Any) -> str:
        if key in CATALOG:
            text = CATALOG[key][self.lang]
        else:
            zh, en = MESSAGES[key]
            text = en if self.lang == "en" else zh
        return text.format(**params) if params else text

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def idle(self) -> None:
        """Wait for Streamlit to finish its rerun."""
        self.page.wait_for_timeout(300)
        self.page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")

    # Passwords the demo accounts chose at their first sign-in (the server outlives a test).
    chosen: ClassVar[dict[str, str]] = {}

    def login(self, username: str) -> None:
        """Sign in on the sign-in page; at the first sign-in with the demo password the app
        asks for one's own password first."""
        self.page.goto(f"{self.server.url}/signin?lang={self.lang}&next=/")
        password = self.chosen.get(username, DEMO_PASSWORD)
        self.page.get_by_label(self.t("login.username")).fill(username)
        self.page.get_by_label(self.t("login.password"), exact=True).fill(password)
        self.page.get_by_role("button", name=self.t("login.submit")).click()
        if username not in self.chosen:
            self.page.get_by_role("heading", name=self.t("account.must_change")).wait_for()
            self.idle()
            own = f"Own-{len(username)}-Passw0rd-{self.lang}"
            self.page.get_by_label(self.t("account.current_password")).fill(DEMO_PASSWORD)
            for label in ("account.new_password", "account.repeat_password"):
                self.page.get_by_label(self.t(label), exact=True).fill(own)
            self.page.get_by_role("button", name=self.t("account.change_password")).click()
            self.page.get_by_role("heading", name=self.t("page.home"), exact=True).wait_for()
            self.chosen[username] = own
        self.page.get_by_role("heading", name=self.t("page.home"), exact=True).wait_for()
        assert "sid=" not in self.page.url and "token" not in self.page.url

    PAGE_TITLES: ClassVar[dict[str, str]] = {
        "leads": "page.leads",
        "qualify": "page.qualify",
        "project": "page.project",
        "reports": "page.reports",
        "approvals": "page.approvals",
    }

    def open(self, path: str, project: int | None = None) -> None:
        """Go to a page through the sidebar (a client-side switch, no page load)."""
        title = self.t(self.PAGE_TITLES[path])
        heading = self.page.get_by_role("heading", name=title, exact=True)
        link = self.page.get_by_role("link", name=title)
        # A click that lands while a rerun is finishing can be swallowed: try again.
        for _ in range(3):
            self.idle()
            try:
                link.wait_for(timeout=8_000)
            except PlaywrightTimeout:
                # A tab left idle on a loaded machine (CI) once lost its sidebar; a user
                # would reload. Say what the page showed, so the cause can be read later.
                shown = self.page.locator("body").inner_text()[:400]
                warnings.warn(
                    f"no {title!r} link; reloading. The page showed: {shown!r}", stacklevel=2
                )
                self.page.reload()
                continue
            link.click()
            try:
                heading.wait_for(timeout=8_000)
                break
            except PlaywrightTimeout:
                continue
        heading.wait_for()
        self.idle()
        if project is not None:
            number = self.page.get_by_label(self.t("ws.choose"))
            number.fill(str(project))
            number.press("Enter")
            self.page.get_by_role("heading").filter(has_text=f"#{project} ").wait_for()
            self.idle()

    def reload(self, path: str, **params: Any) -> None:
        """Load a page by URL, as a browser reload or a bookmark: the cookie signs back in."""
        query = "&".join(f"{k}={v}" for k, v in params.items())
        self.page.goto(f"{self.server.url}/{path}?{query}")
        self.idle()

    def form(self, text_key: str) -> Any:
        return self.page.locator('[data-testid="stForm"]').filter(has_text=self.t(text_key))

    def choose(self, scope: Any, label_key: str, option: str) -> None:
        scope.get_by_label(self.t(label_key)).click()
        self.page.get_by_role("option", name=option).first.click()

    def submit(self, scope: Any, name_key: str = "common.save") -> None:
        scope.get_by_role("button", name=self.t(name_key)).click()
        self.idle()

    def close(self) -> None:
        self.context.close()


def one(server: Any, model: Any, *where: Any) -> Any:
    with read_session(server.engine) as session:
        return session.scalars(select(model).where(*where)).first()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_story(browser: Any, server: Any, artifacts: Path, lang: str) -> None:
    company = f"北方水务集团 {lang}"
    rep = Person(browser, server, lang, artifacts)
    manager = Person(browser, server, lang, artifacts)
    finance = Person(browser, server, lang, artifacts)
    try:
        # 1. The rep enters a lead in three fields.
        rep.login("rep")
        rep.shot("01-home")
        rep.reload("leads")  # a reload keeps the rep signed in
        rep.page.get_by_role("heading", name=rep.t("page.leads"), exact=True).wait_for()
        form = rep.form("lead.company_name")
        form.get_by_label(rep.t("lead.company_name")).fill(company)
        form.get_by_label(rep.t("lead.contact_name")).fill("王工")
        rep.choose(
            form,
            "lead.source",
            rep.t("lead.source") and ("设计院" if lang == "zh_CN" else "Design institute"),
        )
        rep.submit(form)
        lead = wait_for(lambda: one(server, Lead, Lead.company_name == company))
        assert (lead.status, lead.contact_name) == ("new", "王工")
        rep.page.get_by_text(rep.t("lead.created", id=lead.id)).wait_for()
        rep.shot("02-lead-saved")

        # 2. The manager qualifies it into a project-type project, assigned to the rep.
        manager.login("manager")
        manager.open("qualify")
        manager.choose(manager.page, "qualify.pick", f"{lead.id} · {company}")
        manager.idle()
        form = manager.form("qualify.heading")
        mode = "项目型销售模式" if lang == "zh_CN" else "Project-type mode"
        manager.choose(form, "project.sales_mode", mode)
        form.get_by_label(manager.t("project.expected_amount")).fill("3,600,000")
        manager.shot("03-qualify")
        manager.submit(form, "qualify.submit")

        def qualified() -> Any:
            """the lead qualified into a project"""
            found = one(server, Lead, Lead.id == lead.id)
            return found.converted_project_id if found.status == "qualified" else None

        project_id = wait_for(qualified)
        project = one(server, Project, Project.id == project_id)
        assert project.expected_amount == Decimal("3600000.00")
        assert one(server, SalesMode, SalesMode.id == project.sales_mode_id).code == "project_type"
        rep_id = lead.owner_id
        assert project.owner_id == rep_id
        manager.shot("04-qualified")

        # 3. The rep moves it through two stages (阶段升迁).
        rep.open("project", project=project_id)
        stage_names = (
            ("工程设计", "产品定型")
            if lang == "zh_CN"
            else ("Engineering design", "Product specification")
        )
        for expected, name in zip(
            ("pt_engineering_design", "pt_product_spec"), stage_names, strict=True
        ):
            rep.submit(rep.form("ws.target_stage"), "ws.move_stage")
            rep.page.get_by_text(rep.t("ws.moved", stage=name)).wait_for()

            def moved(code: str = expected) -> Any:
                """the project reached the next stage"""
                found = one(server, Project, Project.id == project_id)
                return one(server, Stage, Stage.id == found.stage_id).code == code

            wait_for(moved)
        rep.shot("05-stages")

        # 4. ... adds a competitor and an expense on the project page.
        rep.page.get_by_role("tab", name=rep.t("ws.tab.competition")).click()
        form = rep.form("ws.new_competitor")
        form.get_by_label(rep.t("ws.new_competitor")).fill(f"和利时 {lang}")
        rep.submit(form)
        competitor = wait_for(lambda: one(server, Competitor, Competitor.name == f"和利时 {lang}"))
        assert one(server, ProjectCompetitor, ProjectCompetitor.competitor_id == competitor.id)
        rep.page.get_by_role("tab", name=rep.t("ws.tab.expenses")).click()
        form = rep.form("ws.expense_new")
        form.get_by_label(rep.t("common.amount")).fill("1280.50")
        rep.submit(form)
        expense = wait_for(lambda: one(server, Expense, Expense.project_id == project_id))
        assert expense.amount == Decimal("1280.50")
        rep.shot("06-competitor-expense")

        # 5. ... and submits a reimbursement form (费用报销单).
        rep.open("reports")
        form = rep.form("report.new")
        form.get_by_label(rep.t("report.title")).fill(f"差旅 {lang}")
        form.get_by_label(rep.t("report.expenses")).click()
        rep.page.get_by_role("option").filter(has_text="1,280.50").first.click()
        rep.page.keyboard.press("Escape")
        rep.submit(form)
        report = wait_for(lambda: one(server, ExpenseReport, ExpenseReport.title == f"差旅 {lang}"))
        # The new form is preselected: submit it.
        rep.page.locator("strong", has_text=report.report_no).first.wait_for()
        rep.page.get_by_role("button", name=rep.t("report.submit")).click()
        rep.idle()

        def status(expected: str) -> Callable[[], bool]:
            def check() -> bool:
                """the reimbursement form reached the expected status"""
                return one(server, ExpenseReport, ExpenseReport.id == report.id).status == expected

            return check

        wait_for(status("submitted"))
        rep.shot("07-report-submitted")

        def approve(approver: Person, reaching: str) -> None:
            """The approver picks the form on the approvals page and approves it."""
            approver.open("approvals")
            approver.choose(approver.page, "report.pick", report.report_no)
            approver.idle()
            approver.submit(approver.page.locator('[data-testid="stForm"]'), "approval.approve")
            wait_for(status(reaching))

        # 6. The manager, then finance approve; finance downloads the voucher.
        approve(manager, "manager_approved")
        manager.shot("08-manager-approved")
        finance.login("finance")
        approve(finance, "approved")
        finance.choose(finance.page, "report.pick", report.report_no)
        finance.idle()
        with finance.page.expect_download() as download:
            finance.page.get_by_role("button", name=finance.t("approval.voucher")).click()
        pdf = Path(download.value.path()).read_bytes()
        (artifacts / f"{report.report_no}.pdf").write_bytes(pdf)
        text = pdf_text(pdf)
        assert f"合计金额（大写）：{amount_in_chinese(Decimal('1280.50'))}" in text
        finance.shot("09-voucher")

        # 7. The rep closes the project lost; the reason is required.
        rep.open("project", project=project_id)
        rep.page.get_by_role("button", name=rep.t("ws.close_lost")).first.click()
        dialog = rep.page.get_by_role("dialog")
        dialog.wait_for()
        rep.submit(dialog, "ws.close_lost")
        dialog.get_by_text(rep.t("required")).first.wait_for()
        assert one(server, Project, Project.id == project_id).status == "open"
        rep.shot("10-close-lost-refused")
        reason = "报价过高" if lang == "zh_CN" else "Price too high"
        rep.choose(dialog, "ws.loss_reason", reason)
        dialog.get_by_label(rep.t("ws.note")).fill("对手报价低 15%")
        rep.submit(dialog, "ws.close_lost")

        def lost() -> Any:
            """the project closed lost"""
            found = one(server, Project, Project.id == project_id)
            return found if found.status == "lost" else None

        closed = wait_for(lost)
        assert one(server, LossReason, LossReason.id == closed.loss_reason_id).code == (
            "price_too_high"
        )
        rep.shot("11-closed-lost")
    except Exception:
        for name, person in (("rep", rep), ("manager", manager), ("finance", finance)):
            person.shot(f"zz-failed-{name}")
        raise
    finally:
        for person in (rep, manager, finance):
            person.close()
