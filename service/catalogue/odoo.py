"""What Huifang writes into Odoo: the chatter note of a callback, the callback activity for
the assigned person and the rectification notice for the worker. The role, channel and
satisfaction words of a note read as a sentence, so they have keys of their own here."""

from __future__ import annotations

from .core import register

register(
    {
        "odoo.note.title": ("回访记录", "Callback"),
        "odoo.note.by": ("回访人：{staff}（{role}）", "By: {staff} ({role})"),
        "odoo.note.when": ("时间：{when}，{channel}回访", "When: {when}, {channel}"),
        "odoo.note.satisfaction": ("满意度：{answer}", "Satisfaction: {answer}"),
        "odoo.note.not_given": ("未填写", "not given"),
        "odoo.note.checks": (
            "现场查看：{inspected}；收费核实：{charge}",
            "Inspected on site: {inspected}; charge verified: {charge}",
        ),
        "odoo.note.yes": ("是", "yes"),
        "odoo.note.no": ("否", "no"),
        "odoo.note.feedback": ("服务评价：{text}", "Service feedback: {text}"),
        "odoo.note.suggestions": ("意见建议：{text}", "Suggestions: {text}"),
        "odoo.note.problems": (
            "发现问题：{text}（已书面通知维修人员 24 小时内整改）",
            "Problems: {text} (the worker is notified to fix them within 24 h)",
        ),
        "odoo.note.deadline": ("期限：{verdict}", "Deadline: {verdict}"),
        "odoo.note.on_time": ("按时", "on time"),
        "odoo.note.late": ("超时", "late"),
        "odoo.role.manager": ("经理", "manager"),
        "odoo.role.supervisor": ("主管", "supervisor"),
        "odoo.role.lead": ("维修负责人", "maintenance lead"),
        "odoo.channel.on_site": ("上门", "on site"),
        "odoo.channel.phone": ("电话", "by phone"),
        "odoo.satisfaction.satisfied": ("满意", "satisfied"),
        "odoo.satisfaction.fairly_satisfied": ("比较满意", "fairly satisfied"),
        "odoo.satisfaction.unsatisfied": ("不满意", "unsatisfied"),
        "odoo.activity.summary": ("维修回访（{role}）", "Maintenance callback ({role})"),
        "odoo.activity.note": ("请在 {due} 前完成回访：{what}", "Call back before {due}: {what}"),
        "odoo.rectification.title": ("整改通知：{what}", "Rectification: {what}"),
        "odoo.rectification.note": (
            "回访发现问题：{problems}。请于 {due} 前完成整改。",
            "Problems found in the callback: {problems}. Fix by {due}.",
        ),
    }
)
