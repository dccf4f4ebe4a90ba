"""Rectification (整改) words: the problem texts Huifang writes when nobody typed one, the
sources, states and moves, the worker's acknowledgement page, and phone-call outcomes."""

from __future__ import annotations

from .core import register

register(
    {
        "rect.problem.unsatisfied": (
            "回访时住户表示不满意",
            "The resident was unsatisfied at the callback",
        ),
        "rect.problem.resident_unsatisfied": (
            "住户在手机上确认时表示不满意",
            "The resident answered unsatisfied on their own phone",
        ),
        "rect.problem.charge": ("住户对收费有异议", "The resident disputes the charge"),
        "rect.found_by.resident": ("住户", "The resident"),
        "rect.source.problems": ("回访发现问题", "Problems found in a callback"),
        "rect.source.unsatisfied": ("回访不满意", "Unsatisfied at the callback"),
        "rect.source.resident": ("住户反馈", "The resident's own answer"),
        "rect.state.open": ("待通知", "Open"),
        "rect.state.notified": ("已通知", "Notified"),
        "rect.state.fixed": ("已整改", "Fixed"),
        "rect.state.verified": ("已验收", "Verified"),
        "rect.notice_late": ("通知超时", "Notice late"),
        "rect.fix_late": ("整改逾期", "Fix late"),
        "call.outcome.reached": ("已接通", "Reached"),
        "call.outcome.no_answer": ("无人接听", "No answer"),
        "call.outcome.busy": ("占线", "Busy"),
        "call.outcome.refused": ("拒绝回访", "Refused"),
        "call.outcome.wrong_number": ("号码错误", "Wrong number"),
        "call.outcome.rescheduled": ("改约时间", "Rescheduled"),
    }
)

register(
    {
        "worker.title": ("整改通知单", "Rectification notice"),
        "worker.intro": (
            "回访发现以下问题，请按时整改，并在此确认收到通知（如有异议请说明）。",
            "A callback found the problem below: fix it in time, and confirm here that you got "
            "this notice (or say what you dispute).",
        ),
        "worker.source": ("来源", "Source"),
        "worker.problem": ("发现问题", "Problem found"),
        "worker.found": ("发现人 / 时间", "Found by / when"),
        "worker.fix_due": ("整改期限", "Fix by"),
        "worker.state": ("状态", "State"),
        "worker.ack": ("确认收到通知", "I have received this notice"),
        "worker.reason": ("异议说明（提出异议时必填）", "What you dispute (needed to dispute)"),
        "worker.dispute": ("有异议", "I dispute this"),
        "worker.acknowledged": ("已确认收到", "Received and acknowledged"),
        "worker.disputed": ("异议：", "Disputed:"),
        "rect.page.title": ("整改单", "Rectification"),
        "rect.page.notice_due": ("书面通知期限", "Written notice due"),
        "rect.page.note": ("说明（选填）", "Note (optional)"),
        "rect.page.notice_pdf": ("打印整改通知单", "Print the rectification notice"),
        "rect.page.reconfirm": (
            "整改已验收：请把下面的新确认链接发给住户，请其再次确认。",
            "Fix accepted: send the resident this fresh confirmation link to confirm again.",
        ),
        "rect.via.paper": ("已将书面通知交给维修人员", "The written notice was handed over"),
        "rect.via.in_person": ("已当面通知维修人员", "The worker was told in person"),
        "rect.move.notified": ("记录：已通知维修人员", "Record: the worker was notified"),
        "rect.move.fixed": ("记录：已整改", "Record: fixed"),
        "rect.move.accept": ("验收通过", "Accept the fix"),
        "rect.move.reject": ("验收不通过，退回整改", "Reject: back to the worker"),
        "rect.no_verify": ("无权验收", "Not allowed to verify"),
        "rect.no_verify.help": (
            "整改验收由主管或经理进行，维修人员不能验收自己的整改。",
            "Supervisors and managers verify fixes; nobody verifies their own.",
        ),
        "notice.unknown": ("找不到整改通知", "Notice not found"),
        "notice.unknown.help": (
            "该整改通知可能已撤销，请联系管理处。",
            "The notice may have been withdrawn; please contact the management office.",
        ),
    }
)
