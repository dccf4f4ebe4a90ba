"""The callback ledger's text: its column headings (pages, CSV and XLSX) and controls."""

from __future__ import annotations

from .core import register

#: (key, Chinese header, English header, xlsx column width)
LEDGER_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("id", "序号", "No.", 8),
    ("job", "维修单号", "Job", 18),
    ("unit", "房号", "Unit", 16),
    ("title", "维修内容", "Repair", 24),
    ("category", "类别", "Category", 10),
    ("worker", "维修人员", "Worker", 10),
    ("completed_at", "完工时间", "Completed", 17),
    ("deadline", "回访期限", "Deadline", 17),
    ("role", "回访人角色", "Role", 12),
    ("staff", "回访人", "Staff", 10),
    ("channel", "回访方式", "Channel", 10),
    ("done_at", "回访时间", "Called back", 17),
    ("on_time", "是否按时", "On time", 9),
    ("late_entry", "补录", "Late entry", 8),
    ("inspected", "现场查看", "Inspected", 9),
    ("charge_verified", "收费核实", "Charge verified", 9),
    ("charge", "收费金额", "Charge", 10),
    ("charge_amount", "核实金额", "Verified charge", 10),
    ("charge_differs", "金额不符", "Charge differs", 9),
    ("satisfaction", "满意度", "Satisfaction", 10),
    ("answer", "工单满意度(以住户为准)", "Job's answer (resident first)", 14),
    ("service_feedback", "服务评价", "Feedback", 28),
    ("suggestions", "改进建议", "Suggestions", 28),
    ("problems", "发现问题", "Problems", 28),
    ("rectification", "整改情况", "Rectification", 12),
    ("signature", "签名", "Signature", 10),
    ("repeat_of", "重复维修(原单)", "Repeat of", 18),
    ("followed_by_repeat", "后有重复维修", "Repeated later", 10),
    ("calls", "拨打次数", "Calls", 8),
    ("calls_reached", "接通次数", "Reached", 8),
)

register(
    {
        "ledger.title": ("回访台帐", "Callback ledger"),
        "ledger.all": ("全部", "All"),
        "ledger.filter": ("筛选", "Filter"),
        "ledger.count": ("共 {n} 条回访记录", "{n} callbacks"),
        "ledger.csv": ("导出 CSV", "Export CSV"),
        "ledger.xlsx": ("导出 Excel", "Export Excel"),
        "ledger.prev": ("上一页", "Previous"),
        "ledger.next": ("下一页", "Next"),
        "ledger.empty": ("没有符合条件的回访记录。", "No callbacks match."),
        "ledger.sort": ("排序", "Sort"),
        "ledger.yes": ("是", "Yes"),
        "ledger.no": ("否", "No"),
        "ledger.signed": ("已签名", "Signed"),
        **{f"ledger.col.{key}": (zh, en) for key, zh, en, _ in LEDGER_COLUMNS},
    }
)
