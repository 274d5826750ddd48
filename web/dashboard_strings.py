"""The dashboards' strings (zh_CN and en), registered with the shared translation layer.

Keys start with "dash." so they never replace the entry app's strings in a process that
loads both. The KPI help texts of the metrics defined in dbt are not here: they are read
from the dbt YAML (dashboards.metrics) so that there is one wording of each definition.
"""

from __future__ import annotations

from web.strings import _s

TEXTS: dict[str, dict[str, str]] = {
    # --- chrome ---
    "dash.app.title": _s("CRM 决策分析", "CRM decision support"),
    "dash.app_title": _s("CRM 决策分析", "CRM dashboards"),
    "dash.section": _s("决策分析", "Dashboards"),
    "dash.freshness": _s(
        "数据截至 {as_of}，发布于 {published_at} UTC（快照 v{version}，变更序号 {change_seq}）",
        "Data as of {as_of}, published {published_at} UTC (snapshot v{version},"
        " change #{change_seq})",
    ),
    "dash.lag.none": _s("；已包含全部已保存的变更", "; every saved change is shown"),
    "dash.lag.count": _s(
        "；尚有 {count} 项已保存的变更未显示", "; {count} saved changes not shown yet"
    ),
    "dash.lag.since": _s(
        "；尚有 {count} 项已保存的变更未显示，最早一项保存于 {minutes} 分钟前",
        "; {count} saved changes not shown yet, the first saved {minutes} min ago",
    ),
    "dash.no_snapshot": _s(
        "尚无已发布的数据：请先运行 `crm refresh`。",
        "No data published yet: run `crm refresh` first.",
    ),
    "dash.not_allowed": _s("您的角色无权查看此页面。", "Your role may not open this page."),
    "dash.filters": _s("筛选条件", "Filters"),
    "dash.filter.start": _s("开始日期", "From"),
    "dash.filter.end": _s("结束日期", "To"),
    "dash.filter.rep": _s("销售员", "Rep"),
    "dash.filter.department": _s("部门", "Department"),
    "dash.filter.region": _s("区域", "Region"),
    "dash.filter.industry": _s("行业", "Industry"),
    "dash.filter.customer_type": _s("客户类型", "Customer type"),
    "dash.filter.sales_mode": _s("销售模式", "Sales mode"),
    "dash.filter.all": _s("全部", "All"),
    "dash.filter.link_note": _s(
        "筛选条件保存在网址中，可收藏或发送给同事（对方按其权限查看）。",
        "Filters are kept in the address: bookmark it or send it to a colleague"
        " (they see it through their own permissions).",
    ),
    "dash.records": _s("明细记录", "Records"),
    "dash.records.count": _s("共 {n} 条", "{n} rows"),
    "dash.records.first": _s(
        "显示前 {n} 条；导出包含全部记录", "Showing the first {n} rows; the export has them all"
    ),
    "dash.drill.active": _s(
        "已按图表选择筛选：{what}（在图表空白处双击可清除选择）",
        "Filtered by the chart selection: {what} (double-click the chart to clear)",
    ),
    "dash.drill.hint": _s(
        "点击或框选图表中的元素，可在下方查看对应明细。",
        "Click or box-select chart elements to see their records below.",
    ),
    "dash.export.csv": _s("导出 CSV", "Export CSV"),
    "dash.export.xlsx": _s("导出 Excel", "Export Excel"),
    "dash.empty": _s("当前筛选条件下没有数据。", "No data for these filters."),
    "dash.not_applicable": _s(
        "本页不适用的筛选条件：{names}", "Filters that do not apply on this page: {names}"
    ),
    # --- pages ---
    "dash.page.pipeline": _s("销售漏斗", "Pipeline"),
    "dash.page.velocity": _s("阶段周期", "Stage velocity"),
    "dash.page.win_loss": _s("赢单与丢单", "Win / loss"),
    "dash.page.forecast": _s("销售预测", "Forecast"),
    "dash.page.costs": _s("费用分析", "Costs"),
    "dash.page.leads": _s("线索分析", "Leads"),
    "dash.page.scorecard": _s("销售员记分卡", "Rep scorecard"),
    "dash.page.health": _s("商机健康度", "Deal health"),
    "dash.period.pipeline": _s(
        "指标、漏斗、停滞与逾期项目为数据截至日的在途项目；期间用于趋势和期间变化。",
        "KPIs, funnel, stuck and overdue projects describe the open pipeline as of the data"
        " date; the period drives the trend and the changes between its two dates.",
    ),
    "dash.period.velocity": _s(
        "统计期间内进入的阶段停留；转化率 = 到达该阶段的项目中此后到达更后阶段的比例。",
        "Counts stage visits entered in the period; conversion = share of the projects"
        " reaching a stage that later reached a later stage.",
    ),
    "dash.period.win_loss": _s("统计期间内关闭的项目。", "Projects closed in the period."),
    "dash.period.forecast": _s(
        "预计成交月份与目标月份在期间内；目标为销售员个人目标（区域、行业、客户类型、"
        "销售模式不适用于目标）。",
        "Close months and target months in the period; targets are the reps' own (region,"
        " industry, customer type and sales mode do not apply to targets).",
    ),
    "dash.period.costs": _s(
        "期间内发生的费用、签订的合同、关闭的项目；未关联项目的费用按客户归属。",
        "Expenses incurred, contracts signed and projects closed in the period; expenses"
        " booked on a customer only belong to the customer's owner.",
    ),
    "dash.period.leads": _s(
        "期间内录入的线索；部门为线索负责人的部门。",
        "Leads captured in the period; the department is the lead owner's.",
    ),
    "dash.period.scorecard": _s(
        "目标与达成为期间内各月；赢丢单、周期为期间内关闭；行动为期间内完成；在途为当前。",
        "Targets for the period's months; won/lost and cycle for projects closed in it;"
        " activities done in it; open pipeline as of the data date.",
    ),
    "dash.period.health": _s(
        "数据截至日的在途项目及其预警（决策人映射尚未进入数据仓库）。",
        "Open projects as of the data date and their warnings (decision-maker mapping is"
        " not in the warehouse yet).",
    ),
    # --- KPI labels and help texts that have no dbt metric ---
    "dash.kpi.exact": _s("精确值：{value}", "Exact figure: {value}"),
    "dash.kpi.open_count": _s("在途项目数", "Open projects"),
    "dash.kpi.open_amount": _s("在途金额", "Open pipeline"),
    "dash.kpi.weighted_amount": _s("加权金额", "Weighted pipeline"),
    "dash.kpi.overdue_count": _s("逾期项目", "Overdue close dates"),
    "dash.kpi.overdue_count.help": _s(
        "预计签约日期已过仍未关闭的项目。",
        "Open projects whose expected close date has passed.",
    ),
    "dash.kpi.stuck_count": _s("停滞项目", "Stuck projects"),
    "dash.kpi.stuck_count.help": _s(
        "在当前阶段停留不少于 {days} 天的在途项目。",
        "Open projects in their current stage for at least {days} days.",
    ),
    "dash.kpi.won_count": _s("赢单数", "Won"),
    "dash.kpi.lost_count": _s("丢单数", "Lost"),
    "dash.kpi.lost_count.help": _s("期间内丢单的项目。", "Projects closed lost in the period."),
    "dash.kpi.won_amount": _s("赢单金额", "Won amount"),
    "dash.kpi.win_rate_by_count": _s("赢率（数量）", "Win rate (count)"),
    "dash.kpi.win_rate_by_amount": _s("赢率（金额）", "Win rate (amount)"),
    "dash.kpi.average_sales_cycle_days": _s("平均销售周期（天）", "Sales cycle (days)"),
    "dash.kpi.avg_days_in_stage": _s("平均阶段停留（天）", "Avg days in stage"),
    "dash.kpi.avg_days_in_stage.help": _s(
        "期间内进入且已结束的阶段停留的平均天数。",
        "Average days of the stage visits entered in the period that have ended.",
    ),
    "dash.kpi.finished_visit_count": _s("已结束阶段停留", "Finished stage visits"),
    "dash.kpi.finished_visit_count.help": _s(
        "期间内进入且已结束的阶段停留次数。",
        "Stage visits entered in the period that have ended.",
    ),
    "dash.kpi.slipped_back_count": _s("阶段回退", "Slipped back"),
    "dash.kpi.slipped_back_count.help": _s(
        "以退回更早阶段结束的阶段停留。",
        "Finished visits that ended by slipping back to an earlier stage.",
    ),
    "dash.kpi.forecast_amount": _s("预测金额", "Forecast amount"),
    "dash.kpi.forecast_amount.help": _s(
        "预计在期间内各月成交的在途项目金额（已逾期的计入当月）。",
        "Expected amount of the open projects forecast to close in the period's months"
        " (overdue ones in the current month).",
    ),
    "dash.kpi.forecast_weighted_amount": _s("加权预测", "Weighted forecast"),
    "dash.kpi.calibrated_weighted_amount": _s("校准加权预测", "Calibrated forecast"),
    "dash.kpi.calibrated_weighted_amount.help": _s(
        "金额 × 校准概率：同一销售模式历史上到达该阶段的已关闭项目中赢单的比例。",
        "Amount × calibrated probability: of the closed projects of the same sales mode"
        " that reached the stage, the share that was won.",
    ),
    "dash.kpi.score_weighted_amount": _s("评分加权预测", "Score-weighted forecast"),
    "dash.kpi.score_weighted_amount.help": _s(
        "金额 × 每个商机自己的赢单评分：模型依据商机当前的信号（阶段与停留天数、最近拜访、"
        "决策人、竞争对手、客户与销售员的历史等），从公司历史上已关闭的商机学得。"
        "在回测中评分未同时胜过两个阶段基准的销售模式，仍按校准概率加权（见回测说明）。",
        "Amount × each deal's own win score: learned from the company's closed deals, from"
        " the deal's signals today (stage and days in it, last visit, decision makers,"
        " competitors, the customer's and the rep's track record…). In a sales mode where"
        " the score did not beat both stage baselines in the backtest, the calibrated"
        " probability stays (see the backtest note).",
    ),
    "dash.kpi.target_amount": _s("目标", "Target"),
    "dash.kpi.attainment": _s("达成率", "Attainment"),
    "dash.kpi.remaining_target_amount": _s("剩余目标", "Remaining target"),
    "dash.kpi.pipeline_coverage": _s("管道覆盖率", "Pipeline coverage"),
    "dash.kpi.expense_amount": _s("费用合计", "Expenses"),
    "dash.kpi.expense_amount.help": _s(
        "期间内发生的费用（项目或客户上记录的费用）。",
        "Expenses incurred in the period (booked on projects or customers).",
    ),
    "dash.kpi.contract_amount": _s("合同金额", "Contracts signed"),
    "dash.kpi.contract_amount.help": _s(
        "期间内签订的合同金额。", "Amount of the contracts signed in the period."
    ),
    "dash.kpi.cost_to_revenue_ratio": _s("费用收入比", "Cost / revenue"),
    "dash.kpi.cost_to_revenue_ratio.help": _s(
        "费用 ÷ 合同金额（期间内）。", "Expenses ÷ contract amount, in the period."
    ),
    "dash.kpi.lost_project_expense_amount": _s("丢单项目费用", "Spent on lost deals"),
    "dash.kpi.lost_project_expense_amount.help": _s(
        "期间内发生在已丢单项目上的费用。",
        "Expenses incurred in the period on projects that were lost.",
    ),
    "dash.kpi.over_budget_count": _s("超预算项目", "Over budget"),
    "dash.kpi.over_budget_count.help": _s(
        "期间内有费用、累计费用超过预算的项目。",
        "Projects with expenses in the period whose total expenses exceed the budget.",
    ),
    "dash.kpi.lead_count": _s("线索数", "Leads"),
    "dash.kpi.lead_count.help": _s("期间内录入的线索。", "Leads captured in the period."),
    "dash.kpi.qualified_count": _s("转为项目", "Qualified"),
    "dash.kpi.qualified_count.help": _s(
        "已转为销售项目的线索。", "Leads qualified into a sales project."
    ),
    "dash.kpi.rejected_count": _s("已拒绝", "Rejected"),
    "dash.kpi.rejected_count.help": _s("已拒绝的线索。", "Leads rejected."),
    "dash.kpi.conversion_rate": _s("转化率", "Conversion"),
    "dash.kpi.conversion_rate.help": _s(
        "转为项目的线索 ÷ 全部线索。", "Qualified leads ÷ all leads."
    ),
    "dash.kpi.avg_days_to_qualify": _s("平均转化天数", "Days to qualify"),
    "dash.kpi.avg_days_to_qualify.help": _s(
        "从录入到转为项目的平均天数。", "Average days from capture to qualification."
    ),
    "dash.kpi.flagged_count": _s("有预警的项目", "Flagged projects"),
    "dash.kpi.flagged_count.help": _s(
        "至少有一项预警的在途项目。", "Open projects with at least one warning."
    ),
    "dash.kpi.flagged_amount": _s("预警项目金额", "Flagged amount"),
    "dash.kpi.flagged_amount.help": _s(
        "有预警的在途项目的预计金额。", "Expected amount of the flagged open projects."
    ),
    "dash.kpi.no_recent_activity_count": _s("近期无行动", "No recent activity"),
    "dash.kpi.no_recent_activity_count.help": _s(
        "{days} 天内没有已完成的行动。", "No activity done for {days} days."
    ),
    "dash.kpi.close_date_passed_count": _s("签约日期已过", "Close date passed"),
    "dash.kpi.close_date_passed_count.help": _s(
        "预计签约日期已过。", "The expected close date has passed."
    ),
    "dash.kpi.stuck_in_stage_count": _s("阶段停留过长", "Stuck in stage"),
    "dash.kpi.stuck_in_stage_count.help": _s(
        "在当前阶段停留超过该阶段已结束停留的中位天数。",
        "In the current stage longer than the median finished visit of that stage.",
    ),
    "dash.kpi.has_competitor_count": _s("有竞争对手", "Competitor present"),
    "dash.kpi.has_competitor_count.help": _s(
        "项目记录了竞争对手。", "A competitor is recorded on the project."
    ),
    "dash.kpi.no_decision_maker_count": _s("未找到决策者", "No decision maker mapped"),
    "dash.kpi.no_decision_maker_count.help": _s(
        "项目决策树上没有角色为决策者的联系人。",
        "No contact on the project's decision tree has the role decision maker.",
    ),
    "dash.kpi.activity_count": _s("完成行动", "Activities done"),
    # --- chart titles ---
    "dash.chart.funnel": _s("各阶段在途金额（按销售模式）", "Open amount by stage, per sales mode"),
    "dash.chart.trend": _s("在途金额趋势（每周）", "Pipeline trend (weekly)"),
    "dash.chart.changes": _s("期间内管道变化", "Pipeline changes in the period"),
    "dash.chart.stuck": _s("停滞与逾期项目", "Stuck and overdue projects"),
    "dash.chart.days_in_stage": _s("各阶段平均停留天数", "Average days in stage"),
    "dash.chart.conversion": _s("阶段转化率", "Stage-to-stage conversion"),
    "dash.chart.win_rate_trend": _s("赢率趋势（按关闭月份）", "Win rate by closing month"),
    "dash.chart.loss_reasons": _s("丢单原因帕累托", "Loss reasons Pareto"),
    "dash.chart.win_rate_by": _s("赢率分布", "Win rate by"),
    "dash.chart.cycle": _s("赢单与丢单的销售周期", "Sales cycle of won vs lost"),
    "dash.chart.forecast_month": _s("按月份与预测类别的预测", "Forecast by month and category"),
    "dash.chart.probabilities": _s(
        "阶段默认概率与校准概率", "Stage-default vs calibrated probability"
    ),
    "dash.chart.accuracy": _s("历史月份预测准确度", "Forecast accuracy of past months"),
    "dash.chart.categories": _s("费用类别（按月）", "Expense categories by month"),
    "dash.chart.lost_costs": _s("丢单成本（按原因）", "Cost of lost deals by reason"),
    "dash.chart.lost_by_competitor": _s(
        "丢单成本（按竞争对手）", "Cost of lost deals by competitor"
    ),
    "dash.chart.project_costs": _s(
        "项目预算、费用与合同（前 20）", "Budget vs spent vs contract (top 20)"
    ),
    "dash.chart.lead_sources": _s("各来源线索与转化", "Leads and conversion by source"),
    "dash.chart.lead_trend": _s("线索趋势（按月）", "Leads by month"),
    "dash.chart.scorecard": _s("销售员达成率与团队平均", "Attainment by rep against the team"),
    "dash.chart.scorecard_win": _s("销售员赢率与团队平均", "Win rate by rep against the team"),
    "dash.chart.health": _s("各类预警的项目数", "Projects per warning"),
    "dash.chart.reliability": _s(
        "赢单评分可靠性（近 8 个季度回测）", "Win score reliability (last 8 quarters backtested)"
    ),
    "dash.axis.predicted_probability": _s("预测赢单概率", "Predicted win probability"),
    "dash.axis.observed_win_rate": _s("实际赢单比例", "Share actually won"),
    "dash.series.perfect_calibration": _s("完全校准", "Perfectly calibrated"),
    "dash.series.win_score": _s("赢单评分", "Win score"),
    "dash.scoring.used": _s(
        "预测在以下销售模式采用赢单评分：{modes}。回测 Brier 分数（越低越好）：评分 {model}，"
        "阶段默认概率 {admin}，校准胜率 {rate}。",
        "The forecast uses the win score in: {modes}. Backtest Brier score (lower is better):"
        " win score {model}, stage default probability {admin}, calibrated win rate {rate}.",
    ),
    "dash.scoring.not_used": _s(
        "赢单评分在回测中未同时优于两个阶段基准，预测仍按校准胜率加权。Brier 分数（越低越好）："
        "评分 {model}，阶段默认概率 {admin}，校准胜率 {rate}。",
        "The win score did not beat both stage baselines in the backtest: the forecast keeps"
        " the calibrated win rate. Brier score (lower is better): win score {model}, stage"
        " default probability {admin}, calibrated win rate {rate}.",
    ),
    "dash.scoring.none": _s(
        "已关闭的历史商机太少，尚无赢单评分：预测按校准胜率加权。",
        "Too few closed deals to learn a win score yet: the forecast keeps the calibrated"
        " win rate.",
    ),
    "dash.scoring.all_modes": _s("全部销售模式", "every sales mode"),
    "dash.score.line": _s(
        "赢单评分 {score}{change} · {signals}", "Win score {score}{change} · {signals}"
    ),
    "dash.score.change": _s("（一周 {change}）", " ({change} in a week)"),
    "dash.signal.stage": _s("所处阶段", "Stage"),
    "dash.signal.days_in_stage": _s("阶段停留天数", "Days in stage"),
    "dash.signal.deal_age": _s("商机年龄", "Deal age"),
    "dash.signal.stage_moves_back": _s("阶段回退", "Stage moved back"),
    "dash.signal.close_date_pushes": _s("预计签约日推迟", "Close date pushed"),
    "dash.signal.days_to_close": _s("距预计签约日", "Days to close date"),
    "dash.signal.amount": _s("金额（相对惯常）", "Amount vs usual"),
    "dash.signal.activity_recency": _s("最近拜访", "Recent activity"),
    "dash.signal.activities_done": _s("已完成活动数", "Activities done"),
    "dash.signal.activities_planned": _s("已计划活动", "Activities planned"),
    "dash.signal.activities_overdue": _s("逾期活动", "Overdue activities"),
    "dash.signal.decision_makers": _s("决策人", "Decision makers"),
    "dash.signal.competitors": _s("竞争对手", "Competitors"),
    "dash.signal.customer_history": _s("客户往来历史", "Customer track record"),
    "dash.signal.customer_type": _s("客户类型", "Customer type"),
    "dash.signal.industry": _s("行业", "Industry"),
    "dash.signal.rep_win_rate": _s("销售员赢率", "Rep's win rate"),
    "dash.table.customer_costs": _s("客户费用表", "Customer expense table"),
    "dash.table.project_costs": _s("项目费用报表", "Project expense report"),
    "dash.table.lost_costs": _s("丢单成本", "Cost of lost deals"),
    "dash.table.scorecard": _s("记分卡", "Scorecard"),
    "dash.team_average": _s("团队平均", "Team average"),
    "dash.axis.amount": _s("金额（元）", "Amount (CNY)"),
    "dash.axis.count": _s("数量", "Count"),
    "dash.axis.days": _s("天数", "Days"),
    "dash.axis.rate": _s("比率", "Rate"),
    "dash.axis.month": _s("月份", "Month"),
    "dash.series.open_amount": _s("在途金额", "Open amount"),
    "dash.series.weighted_amount": _s("加权金额", "Weighted amount"),
    "dash.series.win_rate_by_count": _s("赢率（数量）", "Win rate (count)"),
    "dash.series.win_rate_by_amount": _s("赢率（金额）", "Win rate (amount)"),
    "dash.series.lost_count": _s("丢单数", "Lost"),
    "dash.series.cumulative_share": _s("累计占比", "Cumulative share"),
    "dash.series.target": _s("目标", "Target"),
    "dash.series.won": _s("赢单金额", "Won"),
    "dash.series.forecast_weighted": _s("月初加权预测", "Weighted forecast at month start"),
    "dash.series.default_probability": _s("默认概率", "Default probability"),
    "dash.series.calibrated_probability": _s("校准概率", "Calibrated probability"),
    "dash.series.budget": _s("预算", "Budget"),
    "dash.series.spent": _s("累计费用", "Spent"),
    "dash.series.contract": _s("合同金额", "Contract"),
    "dash.series.expense": _s("费用", "Expenses"),
    "dash.series.leads": _s("线索", "Leads"),
    "dash.series.qualified": _s("转为项目", "Qualified"),
    "dash.series.attainment": _s("达成率", "Attainment"),
    "dash.series.win_rate": _s("赢率", "Win rate"),
    "dash.breakdown": _s("维度", "Breakdown"),
    "dash.option.stuck_days": _s("停滞天数阈值", "Stuck after (days)"),
    "dash.option.inactive_days": _s("无行动天数阈值", "No activity for (days)"),
    "dash.option.only_flagged": _s("只看有预警的项目", "Only flagged projects"),
    "dash.none": _s("（无）", "(none)"),
    # --- the survey's reports (dashboards.reports): headers, sheets, columns ---
    "dash.report.sales_forecast": _s("销售预测报表", "Sales forecast report"),
    "dash.report.project_costs": _s("项目费用报表", "Project expense report"),
    "dash.report.customer_costs": _s("客户费用表", "Customer expense report"),
    "dash.report.downloads": _s("报表下载", "Reports"),
    "dash.report.download.xlsx": _s("{name}（Excel）", "{name} (Excel)"),
    "dash.report.download.pdf": _s("{name}（PDF）", "{name} (PDF)"),
    "dash.report.downloads.note": _s(
        "按当前筛选条件与您的查看权限生成，图表选择不影响报表。",
        "Built for the filters above and what you may see; chart selections do not apply.",
    ),
    "dash.report.period": _s("期间", "Period"),
    "dash.report.period.all": _s("全部日期", "All dates"),
    "dash.report.period.range": _s("{start} 至 {end}", "{start} to {end}"),
    "dash.report.viewer": _s("查看范围", "Visible to"),
    "dash.report.viewer.all": _s("全部数据", "All data"),
    "dash.report.data_line": _s(
        "数据截至 {as_of}（快照 v{version}，发布于 {published_at} UTC）；生成于 {generated_at}",
        "Data as of {as_of} (snapshot v{version}, published {published_at} UTC);"
        " generated {generated_at}",
    ),
    "dash.report.unit": _s("金额单位：万元", "Amounts in CNY 10,000 (万元)"),
    "dash.report.total": _s("合计", "Total"),
    "dash.report.page": _s("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "dash.report.empty": _s("当前筛选条件下没有数据。", "No data for these filters."),
    "dash.report.note.months": _s(
        "预测按预计签约月份统计（已逾期的在途项目计入数据日期所在月份）；期间内有任意一天的月份均计入。",
        "Forecast by expected close month (overdue open projects count in the month of the"
        " data date); a month counts when any of its days is in the period.",
    ),
    "dash.report.note.targets": _s(
        "目标为销售员的月度目标，只按销售员与部门筛选，不按区域、行业、客户类型或销售模式筛选。",
        "Targets are the reps' monthly targets: filtered by rep and department only, not by"
        " region, industry, customer type or sales mode.",
    ),
    "dash.report.note.project_costs": _s(
        "列出期间内发生费用的项目；分类费用与期间费用为期间内发生的费用，累计费用为项目至今的全部费用；"
        "毛利 = 合同金额 − 累计费用；预算余额 = 预算 − 累计费用。",
        "Projects with expenses in the period; the categories and the period column are"
        " expenses incurred in the period, the cumulative column all of the project's expenses"
        " to date; margin = contract − cumulative expenses; budget left = budget − cumulative"
        " expenses.",
    ),
    "dash.report.note.customer_costs": _s(
        "费用为期间内发生的费用（记在客户或其项目上）；签约金额为期间内签订的合同；"
        "赢单、丢单为期间内关闭的项目；费用率 = 费用 ÷ 签约金额。",
        "Expenses incurred in the period (on the customer or its projects); contracts signed"
        " in the period; projects won and lost in the period; cost ratio = expenses ÷"
        " contracts.",
    ),
    "dash.report.sheet.by_month": _s("按月汇总", "By month"),
    "dash.report.sheet.by_category": _s("按月份与类别", "By month and category"),
    "dash.report.sheet.by_rep": _s("按销售员", "By rep"),
    "dash.report.sheet.forecast_projects": _s("预测项目明细", "Forecast projects"),
    "dash.report.sheet.projects": _s("项目费用", "Projects"),
    "dash.report.sheet.expense_categories": _s("按费用类别", "By expense category"),
    "dash.report.sheet.by_owner": _s("按负责人", "By owner"),
    "dash.report.sheet.customers": _s("客户费用", "Customers"),
    "dash.report.sheet.by_region": _s("按区域", "By region"),
    "dash.report.sheet.by_industry": _s("按行业", "By industry"),
    "dash.report.col.month": _s("月份", "Month"),
    "dash.report.col.forecast_category": _s("预测类别", "Forecast category"),
    "dash.report.col.project_count": _s("项目数", "Projects"),
    "dash.report.col.customer_count": _s("客户数", "Customers"),
    "dash.report.col.forecast_amount": _s("预测金额", "Forecast amount"),
    "dash.report.col.weighted_amount": _s("加权金额", "Weighted"),
    "dash.report.col.calibrated_weighted_amount": _s("校准加权金额", "Calibrated weighted"),
    "dash.report.col.commit_amount": _s("承诺金额", "Commit"),
    "dash.report.col.target_amount": _s("目标", "Target"),
    "dash.report.col.won_amount": _s("已赢单", "Won"),
    "dash.report.col.attainment": _s("达成率", "Attainment"),
    "dash.report.col.remaining_target": _s("剩余目标", "Remaining target"),
    "dash.report.col.pipeline_coverage": _s("管道覆盖率", "Pipeline coverage"),
    "dash.report.col.project": _s("项目", "Project"),
    "dash.report.col.customer": _s("客户", "Customer"),
    "dash.report.col.owner": _s("负责人", "Owner"),
    "dash.report.col.rep": _s("销售员", "Rep"),
    "dash.report.col.region": _s("区域", "Region"),
    "dash.report.col.industry": _s("行业", "Industry"),
    "dash.report.col.customer_type": _s("客户类型", "Customer type"),
    "dash.report.col.stage": _s("阶段", "Stage"),
    "dash.report.col.probability": _s("赢单概率", "Probability"),
    "dash.report.col.expected_close_date": _s("预计签约日期", "Expected close"),
    "dash.report.col.status": _s("状态", "Status"),
    "dash.report.col.budget_amount": _s("预算", "Budget"),
    "dash.report.col.period_expense_amount": _s("期间费用", "Period expenses"),
    "dash.report.col.total_expense_amount": _s("累计费用", "Cumulative expenses"),
    "dash.report.col.budget_left": _s("预算余额", "Budget left"),
    "dash.report.col.contract_amount": _s("合同金额", "Contract"),
    "dash.report.col.margin": _s("毛利", "Margin"),
    "dash.report.col.cost_ratio": _s("费用率", "Cost ratio"),
    "dash.report.col.expense_category": _s("费用类别", "Expense category"),
    "dash.report.col.expense_count": _s("笔数", "Lines"),
    "dash.report.col.expense_amount": _s("费用", "Expenses"),
    "dash.report.col.expense_share": _s("占比", "Share"),
    "dash.report.col.lost_expense_amount": _s("丢单项目费用", "Spent on lost projects"),
    "dash.report.col.signed_amount": _s("签约金额", "Contracts signed"),
    "dash.report.col.won_count": _s("赢单数", "Won"),
    "dash.report.col.lost_count": _s("丢单数", "Lost"),
    "dash.report.status.open": _s("进行中", "Open"),
    "dash.report.status.won": _s("赢单", "Won"),
    "dash.report.status.lost": _s("丢单", "Lost"),
    # --- codes shown as words ---
    "dash.change.new": _s("新增", "New"),
    "dash.change.won": _s("赢单", "Won"),
    "dash.change.lost": _s("丢单", "Lost"),
    "dash.change.reopened": _s("重新打开", "Reopened"),
    "dash.change.advanced": _s("推进", "Advanced"),
    "dash.change.slipped": _s("回退", "Slipped"),
    "dash.change.pushed": _s("推迟签约", "Pushed"),
    "dash.change.resized": _s("金额变化", "Resized"),
    "dash.outcome.won": _s("赢单", "Won"),
    "dash.outcome.lost": _s("丢单", "Lost"),
    "dash.forecast.pipeline": _s("管道", "Pipeline"),
    "dash.forecast.best_case": _s("最佳情况", "Best case"),
    "dash.forecast.commit": _s("承诺", "Commit"),
    "dash.forecast.closed": _s("已关闭", "Closed"),
    "dash.dim.rep": _s("销售员", "Rep"),
    "dash.dim.department": _s("部门", "Department"),
    "dash.dim.region": _s("区域", "Region"),
    "dash.dim.industry": _s("行业", "Industry"),
    "dash.dim.customer_type": _s("客户类型", "Customer type"),
    "dash.dim.sales_mode": _s("销售模式", "Sales mode"),
    "dash.dim.competitor": _s("竞争对手", "Competitor"),
    "dash.dim.decision_maker": _s("决策者", "Decision maker"),
    "dash.decision_maker.true": _s("已找到决策者", "Decision maker mapped"),
    "dash.decision_maker.false": _s("未找到决策者", "No decision maker mapped"),
    "dash.flag.no_recent_activity": _s("近期无行动", "No recent activity"),
    "dash.flag.close_date_passed": _s("签约日期已过", "Close date passed"),
    "dash.flag.stuck_in_stage": _s("阶段停留过长", "Stuck in stage"),
    "dash.flag.has_competitor": _s("有竞争对手", "Competitor present"),
    "dash.flag.no_decision_maker": _s("未找到决策者", "No decision maker mapped"),
    "dash.category.travel": _s("差旅", "Travel"),
    "dash.category.accommodation": _s("住宿", "Accommodation"),
    "dash.category.meals": _s("餐费", "Meals"),
    "dash.category.entertainment": _s("招待", "Entertainment"),
    "dash.category.transport": _s("交通", "Transport"),
    "dash.category.gifts": _s("礼品", "Gifts"),
    "dash.category.bidding": _s("投标", "Bidding"),
    "dash.category.other": _s("其他", "Other"),
    # --- zh renderings of the dbt metric definitions (the YAML text follows them) ---
    "dash.metric.won_count": _s("期间内赢单的项目数。", ""),
    "dash.metric.won_amount": _s("期间内赢单项目的合同金额。", ""),
    "dash.metric.win_rate_by_count": _s(
        "赢率 = 赢单 ÷（赢单 + 丢单），按期间内关闭的项目计数。", ""
    ),
    "dash.metric.win_rate_by_amount": _s(
        "金额赢率 = 赢单合同金额 ÷（赢单合同金额 + 丢单预计金额），期间内关闭的项目。", ""
    ),
    "dash.metric.average_sales_cycle_days": _s(
        "销售周期 = 关闭日期 − 创建日期，期间内关闭项目的平均值。", ""
    ),
    "dash.metric.weighted_pipeline": _s("加权管道 = 在途金额 × 阶段默认赢单概率。", ""),
    "dash.metric.open_pipeline": _s("在途管道 = 仍在进行中的项目的预计金额。", ""),
    "dash.metric.attainment": _s("达成率 = 赢单 ÷ 目标（期间内的目标）。", ""),
    "dash.metric.pipeline_coverage": _s("管道覆盖率 = 在途加权金额 ÷ 剩余目标。", ""),
    "dash.metric.target_amount": _s("期间内目标的金额。", ""),
    "dash.metric.remaining_target_amount": _s("期间内尚待完成的目标。", ""),
    "dash.metric.closed_count": _s("期间内赢单或丢单的项目数。", ""),
}
