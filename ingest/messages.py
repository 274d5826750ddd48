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
    "bidi_control": (
        "包含不可见的文字方向控制字符",
        "Contains invisible direction-control characters",
    ),
    "line_break": ("只能填写一行，不能包含换行符或制表符", "Must be one line, without tabs"),
    "invisible_chars": (
        "包含不可见字符（如零宽空格）",
        "Contains invisible characters (such as a zero-width space)",
    ),
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
    "malformed": ("提交的内容格式不正确", "The submitted value is not in the expected form"),
    "inactive": ("该选项已停用", "This option is no longer active"),
    "forbidden": ("您没有权限执行此操作", "You are not allowed to do this"),
    "not_visible": ("您无权查看该记录", "You may not see this record"),
    "account_disabled": ("账户已停用", "This account is disabled"),
    "stale": (
        "该记录已被他人修改，请刷新后重试",
        "Someone else changed this record; reload it and try again",
    ),
    "store_unavailable": (
        "数据库刚刚重启或暂时无法连接，本次未保存任何内容，请重试",
        "The database restarted or could not be reached; nothing was saved, please try again",
    ),
    "store_busy": (
        "数据库正忙（另一项较长的写入尚未结束），本次未保存任何内容，请稍后重试",
        "The database is busy with another long write; nothing was saved, please try again",
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
    "password_too_short": ("密码至少 10 位", "Password must be at least 10 characters"),
    "password_has_username": ("密码不能包含用户名", "Password must not contain the username"),
    "password_too_common": (
        "密码过于常见，容易被猜中，请换一个",
        "This password is too common and easily guessed; choose another",
    ),
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
    # import (crm import): references, values, files, mapping files, the report
    "unresolved_reference": ("找不到“{value}”", "No match for '{value}'"),
    "ambiguous_reference": (
        "“{value}”对应 {count} 条记录，无法确定是哪一条",
        "'{value}' matches {count} records; cannot tell which",
    ),
    "unmapped_value": (
        "“{value}”不在映射文件为该列列出的取值中",
        "'{value}' is not among the values the mapping lists for this column",
    ),
    "ambiguous_date": (
        "日期“{value}”的日、月顺序不明确，请在映射文件中指定 date_format",
        "The date '{value}' could be day-first or month-first; give date_format in the mapping",
    ),
    "wan_not_allowed": (
        "金额以“万”为单位，但映射文件未允许该列使用“万”（unit: wan 或 auto）",
        "The amount is in 万 but the mapping does not allow it here (unit: wan or auto)",
    ),
    "line_format": (
        "第 {line} 项产品格式不正确，应为“编码 x 数量 @ 单价”",
        "Product item {line} is not in the form 'CODE x quantity @ price'",
    ),
    "line_problem": ("第 {line} 项产品：{reason}", "Product item {line}: {reason}"),
    "duplicate_in_file": ("与第 {row} 行的源编号重复", "The same source id as row {row}"),
    "missing_column": ("第 {row} 行的列标题中没有这一列", "Row {row} has no such column heading"),
    "duplicate_column": ("第 {row} 行有多个同名的列", "Row {row} has several columns of this name"),
    "no_header": ("第 {row} 行没有列标题", "Row {row} holds no column headings"),
    "undecodable": (
        "无法识别文件的编码，请用 --encoding 指定（如 gb18030）",
        "Cannot tell the file's encoding; give it with --encoding (e.g. gb18030)",
    ),
    "undecodable_as": (
        "文件不是 {encoding} 编码（第 {row} 行，第 {offset} 字节处出错）",
        "The file is not {encoding} (row {row}: bad byte at offset {offset})",
    ),
    "xls_unsupported": (
        "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV",
        "Old .xls files are not supported; save as .xlsx or CSV",
    ),
    "unreadable_file": ("无法读取文件：{detail}", "Cannot read the file: {detail}"),
    "mapping_file": ("无法读取映射文件：{detail}", "Cannot read the mapping file: {detail}"),
    "unknown_setting": (
        "无法识别的设置项，可用：{allowed}",
        "Unknown setting; expected one of: {allowed}",
    ),
    "expected_mapping": ("应为“键: 值”形式", "Expected key: value pairs"),
    "expected_list": ("应为列表", "Expected a list"),
    "expected_text": ("应为文本", "Expected text"),
    "column_or_value": (
        "请指定 column（源列）或 value（固定值），二者选其一",
        "Give either column (a source column) or value (a constant)",
    ),
    "invalid_date_format": (
        "日期格式无效，示例：%d/%m/%Y",
        "Invalid date format; example: %d/%m/%Y",
    ),
    "stage_not_in_mode": (
        "销售模式 {mode} 中没有阶段 {code}",
        "Sales mode {mode} has no stage {code}",
    ),
    "sales_mode_admin": (
        "新建销售模式 {code} 需要管理员：请管理员先运行 crm sales-mode add --file 映射文件，"
        "或以管理员身份导入",
        "Creating sales mode {code} needs an admin: have one run"
        " `crm sales-mode add --file MAPPING` first, or import as an admin",
    ),
    "create_missing_here": (
        "create_missing 只适用于参考数据字段：{allowed}",
        "create_missing applies to reference-data fields only: {allowed}",
    ),
    "create_missing_admin": (
        "映射会新建来源中有而系统中没有的参考数据（create_missing），这需要管理员："
        "请以管理员身份导入，或去掉 create_missing 并先在管理后台添加这些值",
        "The mapping creates the reference values the store lacks (create_missing), which"
        " needs an admin: import as an admin, or remove create_missing and add the values"
        " in the admin app first",
    ),
    "reference_kind_customer_type": ("客户类型", "customer type"),
    "reference_kind_industry": ("行业", "industry"),
    "reference_kind_region": ("区域", "region"),
    "reference_kind_department": ("部门", "department"),
    "reference_kind_loss_reason": ("输单原因", "loss reason"),
    "reference_kind_lead_source": ("线索来源", "lead source"),
    "reference_kind_sales_mode": ("销售模式", "sales mode"),
    "import_reference_created": ("新建{kind} {code}（{name}）", "Created {kind} {code} ({name})"),
    "import_reference_dry": (
        "将新建{kind} {code}（{name}）",
        "Would create {kind} {code} ({name})",
    ),
    "import_undo_kept_reference": (
        "保留了导入新建、现已被其他记录使用的{kind} {code}",
        "Kept {kind} {code}: the import created it, and other records use it now",
    ),
    "mode_change": (
        "已导入项目的销售模式不能更改",
        "The sales mode of an imported project cannot change",
    ),
    "import_header": (
        "导入 {file}（{entity}，来源 {source}，编码 {encoding}）",
        "Import {file} ({entity}, source {source}, encoding {encoding})",
    ),
    "import_refused": ("未导入任何数据：", "Nothing was imported:"),
    "import_sales_mode_created": ("新建销售模式 {code}", "Sales mode {code} created"),
    "import_sales_mode_dry": ("将新建销售模式 {code}", "Would create sales mode {code}"),
    "import_summary": (
        "读取 {read} 行：新建 {created}，更新 {updated}，未变 {unchanged}，跳过 {skipped}，"
        "拒绝 {rejected}",
        "{read} rows read: {created} created, {updated} updated, {unchanged} unchanged,"
        " {skipped} skipped, {rejected} rejected",
    ),
    "import_summary_dry": (
        "试运行，未写入任何数据。读取 {read} 行：将新建 {created}，将更新 {updated}，"
        "未变 {unchanged}，跳过 {skipped}，拒绝 {rejected}",
        "Dry run, nothing written. {read} rows read: would create {created}, would update"
        " {updated}, {unchanged} unchanged, {skipped} skipped, {rejected} rejected",
    ),
    "import_rejected_row": ("第 {row} 行，“{column}”列：{reason}", "row {row}, {column}: {reason}"),
    "import_rejected_row_general": ("第 {row} 行：{reason}", "row {row}: {reason}"),
    "import_rolled_back": (
        "有 {rejected} 行被拒绝，未写入任何数据（全部正确才写入；加 --partial 只导入正确的行）",
        "{rejected} rows rejected, so nothing was written (all or nothing; --partial imports"
        " the good rows)",
    ),
    "import_committed": ("已写入，审计来源为 {source}", "Written; audit source {source}"),
    "import_nothing_to_write": ("没有需要写入的变更", "Nothing to change; nothing was written"),
    "import_rejects_written": ("被拒绝的行已写入 {path}", "Rejected rows written to {path}"),
    "import_too_large": (
        "文件有 {size} MB，超过导入上限 {max} MB（CRM_IMPORT_MAX_MB）：请拆分文件",
        "The file is {size} MB, over the import limit of {max} MB (CRM_IMPORT_MAX_MB): split it",
    ),
    "import_too_many_rows": (
        "文件超过 {max} 行，超过导入上限（CRM_IMPORT_MAX_ROWS）：请拆分文件",
        "The file has more than {max} rows, the import limit (CRM_IMPORT_MAX_ROWS): split it",
    ),
    "import_not_found": ("没有编号为 {id} 的导入", "There is no import {id}"),
    "import_other_file": (
        "导入 {id} 导入的是另一个文件（{file}），或该文件已被修改",
        "Import {id} was of another file ({file}), or the file has changed since",
    ),
    "import_not_resumable": (
        "导入 {id} 的状态为 {status}，不能继续",
        "Import {id} is {status}: nothing to resume",
    ),
    "import_still_running": (
        "导入 {id} 仍在运行（进程 {pid}）",
        "Import {id} is still running (process {pid})",
    ),
    "import_already_undone": ("导入 {id} 已撤销", "Import {id} was already undone"),
    "import_undo_edited_since": (
        "无法撤销：导入后已有 {count} 条记录被修改（{rows}），撤销会丢失这些修改；"
        "加 --keep-edited 保留这些记录的当前内容、只撤销其余部分",
        "Cannot undo: {count} row(s) of the import were changed since ({rows}); undoing "
        "would lose those changes. Add --keep-edited to keep them as they are now and take "
        "back the rest",
    ),
    "import_undo_blocked": (
        "无法撤销：导入的记录已被后来的数据引用（{detail}）",
        "Cannot undo: later records refer to rows of the import ({detail})",
    ),
    "import_done": (
        "导入编号 {id}：已完成，提交 {chunks} 批",
        "Import {id}: done, {chunks} chunks committed",
    ),
    "import_resumed": (
        "导入编号 {id}：从第 {row} 行继续，已完成，本次提交 {chunks} 批",
        "Import {id}: resumed from row {row}, done, {chunks} chunks committed by this run",
    ),
    "import_undone_after_reject": (
        "导入编号 {id}：拒绝之前已提交的各批已全部撤销",
        "Import {id}: the chunks committed before the refusal were undone",
    ),
    "import_undone": (
        "导入编号 {id}（{file}）已撤销：删除、恢复或重建 {rows} 行",
        "Import {id} ({file}) undone: {rows} rows deleted, restored or re-created",
    ),
    "import_col_row": ("行号", "row"),
    "import_col_column": ("出错列", "column"),
    "import_col_reason": ("错误原因", "error"),
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
