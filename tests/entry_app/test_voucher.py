"""The reimbursement voucher PDF: Chinese text with the font embedded, one per form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from ingest.commands.expenses import amount_in_chinese, approve_report, voucher_data
from ingest.store.db import read_session
from tests.support.org import Org
from tests.support.pdf_text import embedded_fonts, pdf_text
from tests.support.scenery import build
from web.voucher_pdf import voucher_pdf


@pytest.fixture
def approved_voucher(store: Engine, company: Org) -> tuple[bytes, dict]:
    scenery = build(store, company)
    approve_report(store, company.manager, scenery.report_id)
    approve_report(store, company.finance, scenery.report_id, "同意报销")
    with read_session(store) as session:
        data = voucher_data(session, scenery.report_id)
    return voucher_pdf(data), data


def test_voucher_has_the_chinese_amount_line_and_embeds_its_font(approved_voucher) -> None:
    pdf, data = approved_voucher
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert data["totals"]["total_in_chinese"] == amount_in_chinese(Decimal("1280.50"))
    assert "合计金额（大写）：壹仟贰佰捌拾元伍角" in text
    assert "合计金额（小写）：¥1,280.50" in text
    assert "费用报销凭证" in text
    assert data["report"]["report_no"] in text
    assert "电厂DCS改造" in text  # the line's project
    assert "财务审批" in text and "同意报销" in text  # the approval trail
    fonts = embedded_fonts(pdf)
    assert fonts and all("WenQuanYi" in name or "Noto" in name for name in fonts), fonts
