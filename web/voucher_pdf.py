"""The reimbursement voucher (报销凭证) as a PDF, printed from an approved 费用报销单.

fpdf2 embeds a subset of a CJK TrueType font, so the Chinese text renders on any reader
without fonts of its own. The font is Debian's WenQuanYi Micro Hei (`fonts-wqy-microhei`)
or Noto Sans CJK (`fonts-noto-cjk`); CRM_CJK_FONT points at another file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF, FontFace

from ingest import settings

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
PRINTABLE = ("approved", "paid")

STEP_NAMES = {"submit": "提交", "manager": "上级审批", "finance": "财务审批", "payment": "付款"}
DECISION_NAMES = {"submitted": "已提交", "approved": "同意", "rejected": "驳回", "paid": "已付款"}


# The CJK font has no bold face: headings are shaded instead of bold.
HEADINGS = FontFace(emphasis="", fill_color=(230, 230, 230))


class FontMissing(RuntimeError):
    pass


def cjk_font() -> Path:
    configured = settings.cjk_font()
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "No CJK font for the voucher: install fonts-wqy-microhei (apt-get install -y "
        "fonts-wqy-microhei) or set CRM_CJK_FONT to a TrueType file."
    )


def voucher_pdf(data: dict[str, Any]) -> bytes:
    """Render `expenses.voucher_data(...)` as a one-voucher A4 PDF."""
    report, owner, totals = data["report"], data["owner"], data["totals"]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(f"报销凭证 {report['report_no']}")
    pdf.set_creator("CRM entry app")
    pdf.add_font("cjk", "", str(cjk_font()))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, "费用报销凭证", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, "Expense reimbursement voucher", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    department = owner.get("department_zh") or ""
    head = [
        ("报销单号", report["report_no"]),
        ("报销事由", report["title"]),
        ("报销人", owner["name"]),
        ("部门", department),
        ("提交时间", (report.get("submitted_at") or "")[:16].replace("T", " ")),
        ("状态", report["status_zh"]),
    ]
    pdf.set_font("cjk", size=11)
    for label, value in head:
        pdf.cell(30, 7, f"{label}：")
        pdf.cell(0, 7, str(value or ""), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    widths = (10, 25, 22, 73, 30)
    with pdf.table(
        col_widths=widths,
        text_align=("CENTER", "CENTER", "CENTER", "LEFT", "RIGHT"),
        headings_style=HEADINGS,
    ) as table:
        table.row(["序号", "日期", "类别", "项目 / 客户 / 说明", "金额（元）"])
        for line in data["lines"]:
            link = line.get("project_name") or line.get("customer_name") or ""
            if line.get("description"):
                link = f"{link} · {line['description']}" if link else line["description"]
            table.row(
                [
                    str(line["no"]),
                    line["incurred_date"],
                    line["category_zh"],
                    link,
                    _grouped(line["amount"]),
                ]
            )
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    pdf.cell(
        0,
        8,
        f"合计金额（小写）：¥{_grouped(totals['total_amount'])}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(0, 8, f"合计金额（大写）：{totals['total_in_chinese']}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    pdf.set_font("cjk", size=11)
    pdf.cell(0, 7, "审批记录", new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(30, 25, 40, 65), headings_style=HEADINGS) as table:
        table.row(["步骤", "结果", "时间", "审批人 / 意见"])
        for step in data["approvals"]:
            who = step["actor_name"]
            if step.get("comment"):
                who = f"{who}：{step['comment']}"
            table.row(
                [
                    STEP_NAMES.get(step["step"], step["step"]),
                    DECISION_NAMES.get(step["decision"], step["decision"]),
                    (step.get("acted_at") or "")[:16].replace("T", " "),
                    who,
                ]
            )
    pdf.ln(10)
    pdf.cell(60, 8, "报销人签字：")
    pdf.cell(60, 8, "审核：")
    pdf.cell(0, 8, "出纳：", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _grouped(amount: str) -> str:
    whole, _, cents = amount.partition(".")
    return f"{int(whole):,}.{cents or '00'}"
