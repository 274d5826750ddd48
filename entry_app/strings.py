"""The entry app's own strings. Chinese follows the survey's wording (线索, 销售项目,
阶段升迁, 费用报销单, 失败原因, 行动, 决策树 ...)."""

from __future__ import annotations


def _s(zh: str, en: str) -> dict[str, str]:
    return {"zh_CN": zh, "en": en}


STRINGS: dict[str, dict[str, str]] = {
    # --- chrome and login ---
    "app.title": _s("CRM 业务录入", "CRM entry"),
    "login.heading": _s("登录", "Sign in"),
    "login.username": _s("用户名", "Username"),
    "login.password": _s("密码", "Password"),
    "login.submit": _s("登录", "Sign in"),
    "login.missing": _s("请输入用户名和密码", "Enter your username and password"),
    "login.bad_credentials": _s("用户名或密码错误", "Wrong username or password"),
    "login.disabled": _s("账户已停用，请联系管理员", "This account is disabled; ask an admin"),
    "login.locked": _s(
        "连续 5 次密码错误，账户已锁定，请 {minutes} 分钟后再试",
        "Five failed attempts: the account is locked; try again in {minutes} minutes",
    ),
    "login.reload_note": _s(
        "登录后刷新浏览器仍保持登录（{hours} 小时内有效）。登录凭证保存在网址中，"
        "请勿将带有 sid 参数的网址发给他人；用完请点击“退出登录”。",
        "A browser reload keeps you signed in (for {hours} hours). The sign-in token is in"
        " the address: do not share an address containing sid=; sign out when done.",
    ),
    "nav.sign_out": _s("退出登录", "Sign out"),
    "nav.signed_in_as": _s("当前用户：{name}（{role}）", "Signed in as {name} ({role})"),
    "nav.section.work": _s("我的工作", "My work"),
    "nav.section.manage": _s("管理", "Management"),
    "nav.section.finance": _s("财务", "Finance"),
    "nav.section.data": _s("数据管理", "Data"),
    "nav.section.admin": _s("系统管理", "Administration"),
    "role.rep": _s("销售员", "Sales rep"),
    "role.manager": _s("销售经理", "Sales manager"),
    "role.department_head": _s("部门经理", "Department head"),
    "role.executive": _s("公司领导", "Executive"),
    "role.finance": _s("财务", "Finance"),
    "role.data_steward": _s("数据管理员", "Data steward"),
    "role.admin": _s("系统管理员", "Administrator"),
    # --- shared form and list words ---
    "common.save": _s("保存", "Save"),
    "common.search": _s("搜索", "Search"),
    "common.status": _s("状态", "Status"),
    "common.all": _s("全部", "All"),
    "common.none": _s("（无）", "(none)"),
    "common.page": _s("页码", "Page"),
    "common.page_of": _s(
        "共 {total} 条，第 {page}/{pages} 页", "{total} rows, page {page} of {pages}"
    ),
    "common.many": _s("超过 {count} 条", "more than {count}"),
    "common.empty": _s("没有记录", "No records"),
    "common.saved": _s("已保存", "Saved"),
    "common.already_saved": _s(
        "这条内容已经保存过，没有重复创建", "This was already saved; nothing was created twice"
    ),
    "common.save_again": _s("确实要再保存一条相同的记录", "Save another identical record"),
    "common.fix_errors": _s("请修改标出的字段后再提交", "Fix the marked fields and submit again"),
    "common.select": _s("请选择", "Choose"),
    "common.id": _s("编号", "ID"),
    "common.name": _s("名称", "Name"),
    "common.owner": _s("负责人", "Owner"),
    "common.created_at": _s("创建时间", "Created"),
    "common.updated_at": _s("更新时间", "Updated"),
    "common.notes": _s("备注", "Notes"),
    "common.description": _s("说明", "Description"),
    "common.amount": _s("金额（元）", "Amount (CNY)"),
    "common.date": _s("日期", "Date"),
    "common.comment": _s("意见", "Comment"),
    "common.mine": _s("只看我的", "Only mine"),
    "common.open": _s("打开", "Open"),
    "common.code": _s("编码", "Code"),
    "common.name_zh": _s("中文名称", "Chinese name"),
    "common.name_en": _s("英文名称", "English name"),
    "common.active": _s("启用", "Active"),
    "common.yes": _s("是", "yes"),
    "common.no": _s("否", "no"),
    "common.no_access": _s("您没有权限查看此页面", "You may not see this page"),
    "common.choose_record": _s("请先在列表中选择一条记录", "Pick a record in the list first"),
}
