"""Every message a command can return, in Simplified Chinese and English.

Commands refer to messages by code; the apps show `text(locale)` next to the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LOCALES = ("zh_CN", "en")

CATALOG: dict[str, tuple[str, str]] = {
    "required": ("此项为必填项", "This field is required"),
    "too_long": ("长度不能超过 {max} 个字符", "Must be at most {max} characters"),
    "blank": ("不能只包含空格", "Must not be blank"),
    "emoji": ("不能包含表情符号", "Must not contain emoji"),
    "markup": ("不能包含 HTML 或脚本代码", "Must not contain HTML or script code"),
    "sql": ("不能包含 SQL 语句片段", "Must not contain SQL statements"),
    "control_chars": ("包含无效的控制字符", "Contains invalid control characters"),
    "not_a_number": ("请输入有效的金额", "Enter a valid amount"),
    "not_positive": ("金额必须大于 0", "Amount must be greater than 0"),
    "negative": ("金额不能为负数", "Amount must not be negative"),
    "too_large": ("金额不能超过 {max}", "Amount must not exceed {max}"),
    "too_many_decimals": ("金额最多保留两位小数", "Amount has at most two decimals"),
    "not_a_date": ("请输入有效的日期", "Enter a valid date"),
    "future_date": ("日期不能晚于今天", "Date must not be in the future"),
    "date_before": ("日期不能早于 {min}", "Date must not be before {min}"),
    "not_an_integer": ("请输入整数", "Enter a whole number"),
    "out_of_range": ("取值必须在 {min} 到 {max} 之间", "Must be between {min} and {max}"),
    "invalid_choice": ("无效的选项：{value}", "Invalid choice: {value}"),
    "invalid_email": ("邮箱格式不正确", "Enter a valid email address"),
    "invalid_phone": ("电话号码格式不正确", "Enter a valid phone number"),
    "not_found": ("找不到该记录", "Record not found"),
    "inactive": ("该选项已停用", "This option is no longer active"),
    "forbidden": ("您没有权限执行此操作", "You are not allowed to do this"),
    "not_visible": ("您无权查看该记录", "You may not see this record"),
    "account_disabled": ("账户已停用", "This account is disabled"),
    "stale": (
        "该记录已被他人修改，请刷新后重试",
        "Someone else changed this record; reload it and try again",
    ),
    "conflict": ("与现有数据冲突：{detail}", "Conflicts with existing data: {detail}"),
    "duplicate": ("已存在相同的记录", "A record with this value already exists"),
    "formal_only_steward": (
        "只有指定的数据管理员可以录入正式客户",
        "Only a data steward may create formal customers",
    ),
    "already_formal": ("该客户已是正式客户", "This customer is already formal"),
    "lead_not_new": ("该线索已处理", "This lead has already been decided"),
    "stage_other_mode": (
        "该阶段不属于本项目的销售模式",
        "This stage belongs to another sales mode",
    ),
    "same_stage": ("项目已处于该阶段", "The project is already in this stage"),
    "won_stage_by_close": (
        "签订合同阶段只能通过“成功关闭”进入",
        "The contract-signed stage is reached only by closing won",
    ),
    "project_closed": ("项目已关闭", "The project is closed"),
    "project_not_closed": ("项目未关闭", "The project is not closed"),
    "close_before_created": (
        "预计签约日期不能早于项目创建日期",
        "Expected close date must not be before the project was created",
    ),
    "nothing_changed": ("没有需要保存的修改", "Nothing to change"),
    "report_status": ("报销单当前状态为“{status}”，不能执行此操作", "The report is {status}"),
    "own_report": ("不能审批自己的报销单", "You may not approve your own expense report"),
    "not_submitter_manager": (
        "只有报销人的直属上级可以审批",
        "Only the submitter's manager may approve this step",
    ),
    "expense_in_report": ("该费用已在其他报销单中", "This expense is already on another report"),
    "expense_not_own": ("只能报销自己的费用", "You may only claim your own expenses"),
    "empty_report": ("报销单至少需要一条费用", "A report needs at least one expense"),
    "target_scope": ("请选择销售员或部门之一", "Choose either a rep or a department"),
    "owner_not_in_team": (
        "只能分配给您团队或部门内的销售员",
        "You may only assign to someone in your team or department",
    ),
    "user_exists": ("用户名已存在", "This username is taken"),
    "weak_password": ("密码至少 8 位", "Password must be at least 8 characters"),
    "invalid_role": ("无效的角色", "Invalid role"),
    "lines_required": ("至少需要一行产品", "At least one product line is required"),
    "customer_mismatch": ("联系人不属于该项目的客户", "The contact belongs to another customer"),
    "link_required": ("请关联项目或客户", "Link a project or a customer"),
    # --- leads and projects ---
    "contact_or_phone": (
        "请填写联系人或电话（至少一项）",
        "Enter a contact name or a phone number",
    ),
    "no_stages": ("该销售模式没有可用的阶段", "This sales mode has no active stages"),
    "no_won_stage": (
        "该销售模式没有“签订合同”阶段",
        "This sales mode has no contract-signed stage",
    ),
    "owner_not_sales": ("负责人必须是销售人员", "The owner must be a sales person"),
    "quote_other_project": ("该报价不属于本销售项目", "This quote belongs to another project"),
    "quote_or_lines": (
        "请选择报价或填写产品行，二者只能选其一",
        "Choose a quote or enter product lines, not both",
    ),
    "already_member": ("该用户已在项目团队中", "This user is already on the project team"),
    "not_member": ("该用户不在项目团队中", "This user is not on the project team"),
    # --- project links: decision roles, competitors, partners, quotes, activities, issues ---
    "invalid_product_code": (
        "产品编码只能包含字母、数字、点、横线和下划线",
        "A code may contain only letters, digits, '.', '-' and '_'",
    ),
    "already_inactive": ("该记录已停用", "This record is already inactive"),
    "closed_notes_only": (
        "销售项目已关闭，只能修改备注",
        "The project is closed; only notes may change",
    ),
    "project_customer_mismatch": (
        "该销售项目不属于所选客户",
        "The project belongs to another customer",
    ),
    "not_a_datetime": ("请输入有效的日期和时间", "Enter a valid date and time"),
    "future_time": ("时间不能晚于当前时间", "Time must not be in the future"),
    "activity_done": ("该行动已完成，不能再修改", "This activity is already done"),
    "activity_not_done": (
        "计划中的行动不能填写完成时间",
        "Only a done activity has a completion time",
    ),
    "issue_resolved": ("该问题已解决", "This issue is already resolved"),
    "not_a_rate": (
        "请输入 0 到 1 之间的折扣率，最多四位小数",
        "Enter a discount rate between 0 and 1 with at most four decimals",
    ),
    # --- expenses, reports, targets, reference data ---
    "report_status_draft": ("草稿", "draft"),
    "report_status_submitted": ("已提交", "submitted"),
    "report_status_manager_approved": ("经理已审批", "approved by the manager"),
    "report_status_approved": ("财务已审批", "approved by finance"),
    "report_status_paid": ("已支付", "paid"),
    "report_status_rejected": ("已驳回", "rejected"),
    "expense_category_travel": ("差旅", "Travel"),
    "expense_category_accommodation": ("住宿", "Accommodation"),
    "expense_category_meals": ("餐费", "Meals"),
    "expense_category_entertainment": ("招待", "Entertainment"),
    "expense_category_transport": ("交通", "Transport"),
    "expense_category_gifts": ("礼品", "Gifts"),
    "expense_category_bidding": ("投标", "Bidding"),
    "expense_category_other": ("其他", "Other"),
    "expense_customer_mismatch": (
        "费用关联的客户与销售项目的客户不一致",
        "The customer is not the project's customer",
    ),
    "finance_only": ("此步骤只能由财务人员审批", "Only finance may approve this step"),
    "invalid_code": (
        "编码只能包含小写字母、数字和下划线，长度 2 到 40 个字符",
        "Code must be 2 to 40 lowercase letters, digits or underscores",
    ),
    "unknown_field": (
        "该类型的参考数据没有此字段",
        "This kind of reference data has no such field",
    ),
    "department_cycle": (
        "上级部门不能是本部门或其下级部门",
        "The parent must not be the department itself or one of its sub-departments",
    ),
    "one_won_stage": (
        "每个销售模式只能有一个启用的签约（赢单）阶段",
        "A sales mode may have only one active won stage",
    ),
    "won_stage_last": (
        "签约（赢单）阶段必须是该销售模式的最后一个阶段",
        "The won stage must be the last stage of its sales mode",
    ),
    "won_stage_category": (
        "只有签约（赢单）阶段的预测类别为“已关闭”",
        "Only the won stage has the forecast category 'closed'",
    ),
    "stage_order_taken": (
        "该销售模式中已有相同顺序号的阶段",
        "Another stage of this sales mode has this order",
    ),
    "probability_decimals": ("概率最多保留四位小数", "Probability has at most four decimals"),
}


@dataclass(frozen=True)
class Message:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, locale: str = "zh_CN") -> str:
        zh, en = CATALOG[self.code]
        template = en if locale.startswith("en") else zh
        # A parameter may itself be a message (a status name): it speaks the same language.
        params = {
            key: value.text(locale) if isinstance(value, Message) else value
            for key, value in self.params.items()
        }
        return template.format(**params)

    def __str__(self) -> str:
        return self.text("en")
