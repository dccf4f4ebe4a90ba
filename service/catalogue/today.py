"""Text of "My work today" (/today), Chinese first, English beside it."""

from __future__ import annotations

from .core import register

register(
    {
        "today.title": ("今日工作", "My work today"),
        "today.nav": ("今日工作", "Today"),
        "today.sub": (
            "{name}（{role}）· {estate} · 今天 {day}",
            "{name} ({role}) · {estate} · today {day}",
        ),
        "today.quota": ("本月回访配额", "This month's quota"),
        "today.quota.period": ("{period} 完工 {jobs} 单", "{period}: {jobs} completed jobs"),
        "today.quota.need": (
            "还需回访 {n} 次；以下 {m} 单在回访时限内仍可完成。",
            "You need {n} more callbacks this month; these {m} jobs still qualify before "
            "their windows close.",
        ),
        "today.quota.short": (
            "还需回访 {n} 次，但时限内只剩 {m} 单可回访：本月将差 {short} 次。",
            "You need {n} more callbacks but only {m} jobs still qualify: the month will end "
            "{short} short.",
        ),
        "today.quota.met": (
            "本月配额已达标（{done}/{required}）。",
            "Quota met ({done}/{required}).",
        ),
        "today.quota.line": (
            "目标 {pct}% · 应回访 {required} · 已回访 {done}",
            "target {pct}% · required {required} · done {done}",
        ),
        "today.quota.others": ("其他角色", "Other roles"),
        "today.quota.other": (
            "{role}：已回访 {done}/{required}，还需 {need}",
            "{role}: {done}/{required} done, {need} to go",
        ),
        "today.quota.drawn": (
            "经理、主管的配额单由系统按权重随机抽取（安全、漏水、不满意优先），每日记录可复核。",
            "Manager and supervisor jobs are drawn at random, weighted toward safety, leaks and "
            "unhappy answers; each day's draw is logged and can be checked.",
        ),
        "today.tasks": ("待办回访", "Callbacks to do"),
        "today.tasks.none": ("今天没有待办回访。", "No callbacks to do today."),
        "today.tasks.more": (
            "另有 {n} 单未列出，请到回访台帐查看。",
            "{n} more not shown: see the ledger.",
        ),
        "today.reason.assigned": ("指派给我", "Assigned to me"),
        "today.reason.escalated": ("升级给我", "Escalated to me"),
        "today.reason.quota": ("配额计划", "Quota plan"),
        "today.step.call": ("电话回访", "Call"),
        "today.step.visit": ("上门回访", "Visit"),
        "today.step.none": ("已有回访，配额仍需我回访", "Called back; my quota still needs it"),
        "today.overdue": ("已逾期", "Overdue"),
        "today.deadline": ("期限 {at}", "Due {at}"),
        "today.open": ("打开", "Open"),
        "today.reconfirm": ("整改后复核", "Reconfirm after a fix"),
        "today.reconfirm.item": (
            "{ref} · {problem} · {worker} 已于 {at} 完成整改，请回访住户并验收。",
            "{ref} · {problem} · fixed by {worker} at {at}: ask the resident and verify.",
        ),
        "today.notices": ("我的整改通知", "My rectification notices"),
        "today.notices.none": ("没有待处理的整改通知。", "No rectification notices to handle."),
        "today.notices.item": (
            "{ref} · {problem} · 请于 {at} 前完成",
            "{ref} · {problem} · fix by {at}",
        ),
        "today.notifications": ("提醒与升级（近 3 天）", "Reminders and escalations (last 3 days)"),
        "today.notifications.none": ("近 3 天没有提醒。", "Nothing in the last 3 days."),
        "today.kind.reminder": ("提醒", "Reminder"),
        "today.kind.escalation": ("升级", "Escalation"),
        "today.kind.notice": ("整改通知", "Notice"),
        "today.kind.notice_late": ("通知超时", "Notice late"),
        "today.kind.fix_late": ("整改逾期", "Fix late"),
        "today.status.queued": ("待发送", "queued"),
        "today.status.sent": ("已发送", "sent"),
        "today.status.failed": ("发送失败", "failed"),
        "today.dashboard": ("回访看板", "Dashboard"),
    }
)
