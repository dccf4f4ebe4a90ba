"""The scheduler's messages: short, in the recipient's language, with the job's staff link."""

from __future__ import annotations

from .core import register

register(
    {
        "notify.reminder.subject": ("回访提醒：{ref}", "Callback due: {ref}"),
        "notify.reminder.body": (
            "{unit}「{title}」需在 {deadline} 前回访（{role}）。",
            "{unit} “{title}”: call back by {deadline} ({role}).",
        ),
        "notify.escalation.1.subject": ("回访逾期：{ref}", "Callback overdue: {ref}"),
        "notify.escalation.1.body": (
            "{unit}「{title}」已过回访期限 {deadline}，{role}尚未回访，请跟进。",
            "{unit} “{title}” passed its deadline {deadline} without a callback by the {role}: "
            "please follow up.",
        ),
        "notify.escalation.2.subject": ("回访仍未完成：{ref}", "Still no callback: {ref}"),
        "notify.escalation.2.body": (
            "{unit}「{title}」逾期仍未回访（期限 {deadline}），请经理处理。",
            "{unit} “{title}” is still without a callback (deadline {deadline}): manager, please "
            "act.",
        ),
        "notify.notice.subject": ("整改通知：{ref}", "Rectification notice: {ref}"),
        "notify.notice.body": (
            "{unit}「{title}」回访发现问题：{problem}。请于 {fix_due} 前完成整改。",
            "{unit} “{title}”: {problem}. Fix it by {fix_due}.",
        ),
        "notify.notice_late.subject": ("整改通知超时：{ref}", "Notice late: {ref}"),
        "notify.notice_late.body": (
            "{ref} 的整改通知未在 24 小时内送达维修人员{worker}。",
            "The rectification notice for {ref} did not reach {worker} within 24 hours.",
        ),
        "notify.fix_late.subject": ("整改逾期：{ref}", "Fix late: {ref}"),
        "notify.fix_late.body": (
            "{ref} 的整改未在 {fix_due} 前完成（{worker}）：{problem}",
            "The fix for {ref} was not done by {fix_due} ({worker}): {problem}",
        ),
    }
)
