"""The printed documents' text: the single source of every label the callback form (维修回访单),
the signed receipt (回访确认回执) and the written rectification notice (整改通知单) print, and of
the :class:`qr_forms.Labels` built from it.

qr_forms holds no text of its own: it declares the keys it needs (``qr_forms.REQUIRED_KEYS``)
and prints what ``form_labels()`` gives it. The shared words (``category.*``, ``role.*``,
``satisfaction.*``, ``channel.*``, ``app.name``) are registered once, in :mod:`.vocabulary`;
the documents' own labels are registered here. Most print as "中文 English";
``form.footer.rule`` prints in Chinese only (its English is for readers of the catalogue).
"""

from __future__ import annotations

from functools import cache

from qr_forms import CHECKLIST, Labels

from .core import MESSAGES, register

__all__ = ["CHECKLIST_TEXTS", "form_labels"]

register(
    {
        # Header, sections and PDF metadata of the callback form.
        "form.title": ("维修回访单", "Maintenance Callback Form"),
        "form.pdf_title": ("维修回访单", "Maintenance callback form"),
        "form.ref": ("单号", "No."),
        "form.section.job": ("一、工单信息", "Job details"),
        "form.section.checklist": ("二、回访内容", "Callback checklist"),
        "form.section.result": ("三、回访结果", "Result"),
        "form.section.signatures": ("四、签名确认", "Signatures"),
        # The job block (form and receipt).
        "form.job.ref": ("工单号", "Job ref"),
        "form.job.estate": ("小区", "Estate"),
        "form.job.unit": ("房号", "Unit"),
        "form.job.resident": ("住户", "Resident"),
        "form.job.phone": ("联系电话", "Phone"),
        "form.job.worker": ("维修人员", "Worker"),
        "form.job.title": ("维修项目", "Repair item"),
        "form.job.category": ("类别", "Category"),
        "form.job.charge": ("收费", "Charge"),
        "form.job.completed": ("完成时间", "Completed"),
        "form.job.deadline": ("回访期限", "Call back by"),
        "form.job.assigned": ("指定回访人", "Assigned to"),
        "form.job.window": ("回访时限", "Window"),
        "form.job.hours": ("小时", "hours"),
        # The five checklist items (回访工作制度 rule 3), in qr_forms.CHECKLIST order.
        "form.checklist.inspect": ("现场查看维修项目", "Inspect the repaired item on site"),
        "form.checklist.service": ("询问维修人员服务情况", "Ask about the repair worker's service"),
        "form.checklist.suggestions": ("征询改进意见", "Ask for suggestions for improvement"),
        "form.checklist.charges": ("核实收费情况", "Verify the charges"),
        "form.checklist.signature": ("被回访人签名", "Signature of the person visited"),
        # Where the answers go on the form.
        "form.answer.not_inspected": ("电话回访，无法现场查看", "phone callback: not inspected"),
        "form.answer.remarks": ("评价", "Remarks"),
        "form.answer.suggestions": ("意见", "Suggestions"),
        "form.answer.see_signature": ("见下方签名栏", "see the signature box below"),
        "form.charge.due": ("应收", "due"),
        "form.charge.paid": ("实收 ¥", "paid"),
        "form.satisfaction": ("满意度", "Satisfaction"),
        "form.problems": ("发现问题", "Problems found"),
        "form.rectification": ("整改通知", "Rectification notice"),
        "form.rectification.note": (
            "24小时内书面通知维修人员",
            "to the worker in writing within 24 h",
        ),
        "form.rectification.done": ("完成", "done"),
        "form.signature.who": ("住户本人或家属", "resident or family"),
        "form.signature.date": ("日期", "Date"),
        "form.staff": ("回访人", "Callback staff"),
        "form.role": ("职务", "Role"),
        "form.channel": ("方式", "Channel"),
        "form.callback_date": ("回访日期", "Callback date"),
        # The QR codes: the A4 form has room for the long English, A5 for the short one.
        "form.qr.staff": ("工作人员扫码登记", "Staff: scan to record this callback"),
        "form.qr.staff.short": ("工作人员扫码登记", "Staff: scan to record"),
        "form.qr.resident": (
            "住户扫码确认签名",
            "Resident: scan to confirm and sign on your phone",
        ),
        "form.qr.resident.short": ("住户扫码确认签名", "Resident: scan to sign"),
        "form.footer.rule": (
            "回访制度：回访在维修完成后按期限进行；发现问题须24小时内书面通知维修人员整改。",
            "Callback rule: call back within the deadline after the repair; problems found are"
            " notified to the worker in writing within 24 hours for rectification.",
        ),
        # The signed receipt.
        "receipt.title": ("回访确认回执", "Callback Receipt"),
        "receipt.pdf_title": ("回访确认回执", "Callback receipt"),
        "receipt.section.job": ("一、工单", "Job"),
        "receipt.section.answers": ("二、回访结果", "Callback answers"),
        "receipt.section.checklist": ("三、回访内容", "Checklist"),
        "receipt.section.signature": ("四、签名", "Signature"),
        "receipt.satisfaction.none": ("未评价", "not given"),
        "receipt.channel": ("回访方式", "Channel"),
        "receipt.comment": ("住户意见", "Comment"),
        "receipt.problems": ("发现问题", "Problems"),
        "receipt.problems.none": ("无", "none"),
        "receipt.inspected.phone": (
            "电话回访，未现场查看",
            "Phone callback: not inspected on site",
        ),
        "receipt.inspected.yes": ("已现场查看", "Inspected on site"),
        "receipt.inspected.no": ("未查看", "Not inspected"),
        "receipt.charge.confirmed": ("住户确认无误", "confirmed by the resident"),
        "receipt.charge.unconfirmed": ("未确认", "not confirmed"),
        "receipt.not_recorded": ("未记录", "not recorded"),
        "receipt.signed": ("已签名", "Signed"),
        "receipt.refused_to_sign": ("拒绝签名", "Refused to sign"),
        "receipt.refused": ("住户拒绝签名", "The resident refused to sign"),
        "receipt.reason": ("原因", "Reason"),
        "receipt.signed_at": ("签署时间", "Signed at"),
        "receipt.refused_at": ("拒签时间", "Refused at"),
        "receipt.sha256": ("签名图像 SHA-256", "SHA-256 of the signature image"),
        "receipt.no_image": ("无签名图像", "no image"),
        "receipt.verify": ("扫码核验", "Scan to verify"),
        # The written rectification notice to the repair worker; its job block, date line and
        # footer are the form's.
        "notice.title": ("整改通知单", "Rectification Notice"),
        "notice.pdf_title": ("整改通知单", "Rectification notice"),
        "notice.number": ("通知单号", "Notice No."),
        "notice.section.job": ("一、工单信息", "Job details"),
        "notice.section.problem": ("二、发现问题", "Problem found"),
        "notice.section.due": ("三、整改时限", "Deadlines"),
        "notice.section.ack": ("四、维修人员确认", "Worker's acknowledgement"),
        "notice.section.signatures": ("五、签收", "Signatures"),
        "notice.source": ("问题来源", "Source"),
        "notice.source.problems": ("回访发现问题", "Problems found in a callback"),
        "notice.source.unsatisfied": ("回访不满意", "Unsatisfied at the callback"),
        "notice.source.resident": ("住户反馈", "The resident's own answer"),
        "notice.found_by": ("发现人", "Found by"),
        "notice.found_at": ("发现时间", "Found at"),
        "notice.problem": ("问题描述", "Problem"),
        "notice.notice_due": ("通知期限", "Notify by"),
        "notice.notice_due.rule": (
            "发现问题后24小时内书面通知维修人员",
            "in writing to the repair worker within 24 hours of finding the problem",
        ),
        "notice.fix_due": ("整改期限", "Fix by"),
        "notice.fix_due.rule": (
            "维修人员须在此时间前完成整改",
            "the repair worker completes the fix by this time",
        ),
        "notice.qr": (
            "维修人员扫码确认收到（或提出异议）",
            "Worker: scan to acknowledge (or dispute)",
        ),
        "notice.signature.worker": ("维修人员签收", "Received by the worker"),
        "notice.signature.issuer": ("发出人", "Issued by"),
    }
)

CHECKLIST_TEXTS: tuple[tuple[str, str], ...] = tuple(MESSAGES[key] for key in CHECKLIST)
"""The five checklist items as (zh_CN, en), in order."""


@cache
def form_labels() -> Labels:
    """The labels of the printed documents, built once from the catalogue.

    Raises:
        qr_forms.LabelsError: the catalogue lacks a key qr_forms needs, or has an empty text.
    """
    return Labels(MESSAGES)
