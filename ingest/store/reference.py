"""Reference data from the requirements survey, loaded by `crm init`.

Rows are inserted only when their code is missing, so re-running init never undoes what
an admin changed later (names, probabilities, deactivations).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.store.models import (
    CustomerType,
    Department,
    Industry,
    LeadSource,
    LossReason,
    Region,
    SalesMode,
    Stage,
)

# The kinds of reference row an admin edits (commands/reference_admin.py), by name.
KINDS: dict[str, type] = {
    "region": Region,
    "industry": Industry,
    "customer_type": CustomerType,
    "lead_source": LeadSource,
    "department": Department,
    "loss_reason": LossReason,
    "sales_mode": SalesMode,
}

# (code, 中文, English[, parent code])
DEPARTMENTS = [
    ("systems", "系统部", "Systems Dept", None),
    ("industrial_it", "工业IT部", "Industrial IT Dept", None),
    ("ft_servers", "容错服务器部", "Fault-tolerant Servers", "industrial_it"),
    ("industry_marketing", "行业市场部", "Industry Marketing", "industrial_it"),
    ("north", "北方区", "North Region", "industrial_it"),
    ("south", "南方区", "South Region", "industrial_it"),
    ("business_development", "业务发展部", "Business Development", "industrial_it"),
    ("marketing", "市场部", "Marketing", None),
    ("sales", "销售部", "Sales", None),
    ("channels", "渠道、经销商", "Channels & Dealers", None),
    ("contracts_orders", "合同、订单受理部", "Contract & Order Desk", None),
    ("procurement", "采购、资源管理部", "Procurement & Resources", None),
    ("after_sales", "售后服务部", "After-sales Service", None),
]

REGIONS = [
    ("north_china", "华北", "North China"),
    ("northeast", "东北", "Northeast"),
    ("east_china", "华东", "East China"),
    ("south_china", "华南", "South China"),
    ("central_china", "华中", "Central China"),
    ("southwest", "西南", "Southwest"),
    ("northwest", "西北", "Northwest"),
]

INDUSTRIES = [
    ("power", "电力", "Power"),
    ("petrochemical", "石油化工", "Petrochemical"),
    ("metallurgy", "冶金", "Metallurgy"),
    ("rail_transit", "轨道交通", "Rail Transit"),
    ("water", "水务", "Water"),
    ("government", "政府", "Government"),
    ("manufacturing", "制造业", "Manufacturing"),
    ("healthcare", "医疗", "Healthcare"),
    ("finance", "金融", "Finance"),
    ("education", "教育", "Education"),
]

CUSTOMER_TYPES = [
    ("design_institute", "设计院", "Design institute"),
    ("end_user", "最终用户", "End user"),
    ("si_customer", "SI客户", "SI customer"),
]

LEAD_SOURCES = [
    ("phone_inquiry", "电话咨询", "Phone inquiry"),
    ("industry_news", "行业资讯", "Industry news"),
    ("colleague_referral", "同事介绍", "Colleague referral"),
    ("key_account_visit", "大客户拜访", "Key-account visit"),
    ("design_institute", "设计院", "Design institute"),
    ("web_search", "网上搜索", "Web search"),
    ("other", "其他", "Other"),
]

LOSS_CATEGORIES = {
    "price": ("价格", "Price"),
    "product_fit": ("产品匹配", "Product fit"),
    "competitor": ("竞争对手", "Competitor"),
    "relationship": ("客户关系", "Relationship"),
    "budget_cancelled": ("预算取消", "Budget cancelled"),
    "no_decision": ("未决策", "No decision"),
    "timing": ("时机", "Timing"),
    "other": ("其他", "Other"),
}

# (code, 中文, English, category)
LOSS_REASONS = [
    ("price_too_high", "报价过高", "Price too high", "price"),
    ("discount_refused", "折扣未获批准", "Discount not approved", "price"),
    (
        "spec_not_met",
        "产品不满足技术要求",
        "Product does not meet the specification",
        "product_fit",
    ),
    ("missing_certification", "缺少行业资质认证", "Missing industry certification", "product_fit"),
    ("competitor_won", "竞争对手中标", "Competitor won the bid", "competitor"),
    ("incumbent_vendor", "客户沿用原有供应商", "Customer kept the incumbent vendor", "competitor"),
    ("weak_relationship", "客户关系薄弱", "Weak customer relationship", "relationship"),
    ("decision_maker_changed", "关键决策人变动", "Key decision maker changed", "relationship"),
    ("budget_cut", "预算削减或取消", "Budget cut or cancelled", "budget_cancelled"),
    ("project_cancelled", "项目取消", "Project cancelled", "budget_cancelled"),
    ("no_decision", "客户迟迟未决策", "Customer made no decision", "no_decision"),
    ("delivery_time", "交货期不满足", "Delivery time not acceptable", "timing"),
    ("project_postponed", "项目无限期推迟", "Project postponed indefinitely", "timing"),
    ("other", "其他原因", "Other reason", "other"),
]

FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed")

# (mode code, 中文, English, [(stage code, 中文, English, probability, forecast category)])
SALES_MODES = [
    (
        "si_supply",
        "SI供货模式",
        "SI supply mode",
        [
            ("si_project_info", "项目信息", "Project information", "0.10", "pipeline"),
            ("si_presales_proposal", "售前方案", "Pre-sales proposal", "0.20", "pipeline"),
            ("si_proposal_delivered", "方案提供", "Proposal delivered", "0.40", "best_case"),
            ("si_proposal_confirmed", "确定方案", "Proposal confirmed", "0.60", "best_case"),
            ("si_negotiation", "商务谈判", "Commercial negotiation", "0.80", "commit"),
            ("si_contract_signed", "签定合同", "Contract signed", "1.00", "closed"),
        ],
    ),
    (
        "project_type",
        "项目型销售模式",
        "Project-type mode",
        [
            ("pt_feasibility", "可研立项", "Feasibility study & approval", "0.10", "pipeline"),
            ("pt_engineering_design", "工程设计", "Engineering design", "0.20", "pipeline"),
            ("pt_product_spec", "产品定型", "Product specification", "0.35", "best_case"),
            ("pt_tender", "招标评标", "Tender & bid evaluation", "0.50", "best_case"),
            ("pt_negotiation", "商务谈判", "Commercial negotiation", "0.75", "commit"),
            ("pt_contract_signed", "签订合同", "Contract signed", "1.00", "closed"),
        ],
    ),
]


def load_reference_data(session: Session) -> int:
    """Insert every missing reference row; returns how many were added."""
    added = 0
    for code, zh, en, parent in DEPARTMENTS:
        parent_id = _id(session, Department, parent) if parent else None
        added += _ensure(session, Department, code, zh, en, parent_id=parent_id)
    for model, rows in (
        (Region, REGIONS),
        (Industry, INDUSTRIES),
        (CustomerType, CUSTOMER_TYPES),
        (LeadSource, LEAD_SOURCES),
    ):
        for code, zh, en in rows:
            added += _ensure(session, model, code, zh, en)
    for code, zh, en, category in LOSS_REASONS:
        added += _ensure(session, LossReason, code, zh, en, category=category)
    for code, zh, en, stages in SALES_MODES:
        added += _ensure(session, SalesMode, code, zh, en)
        mode_id = _id(session, SalesMode, code)
        existing = set(session.scalars(select(Stage.code).where(Stage.sales_mode_id == mode_id)))
        for order, (s_code, s_zh, s_en, prob, category) in enumerate(stages, start=1):
            if s_code in existing:
                continue
            added += 1
            session.add(
                Stage(
                    sales_mode_id=mode_id,
                    code=s_code,
                    name_zh=s_zh,
                    name_en=s_en,
                    stage_order=order,
                    default_probability=Decimal(prob),
                    forecast_category=category,
                    is_won_stage=category == "closed",
                )
            )
    session.flush()
    return added


def _id(session: Session, model: type, code: str) -> int:
    return session.scalars(select(model.id).where(model.code == code)).one()  # type: ignore[attr-defined]


def _ensure(session: Session, model: type, code: str, zh: str, en: str, **extra: object) -> bool:
    """Add the row unless its code exists; True when it was added."""
    if session.scalar(select(model.id).where(model.code == code)) is not None:  # type: ignore[attr-defined]
        return False
    session.add(model(code=code, name_zh=zh, name_en=en, **extra))
    session.flush()
    return True
