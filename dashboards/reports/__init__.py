"""The requirements survey's reports (销售预测报表, 项目费用报表, 客户费用表) as Excel
and PDF files, built from the published snapshot for the viewer's filters and rights."""
