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
    # --- project links: decision roles, competitors, partners, quotes, activities, issues ---
    # --- expenses, reports, targets, reference data ---
}


@dataclass(frozen=True)
class Message:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, locale: str = "zh_CN") -> str:
        zh, en = CATALOG[self.code]
        template = en if locale.startswith("en") else zh
        return template.format(**self.params)

    def __str__(self) -> str:
        return self.text("en")
