"""The evidence pages' text: the public receipt check behind a receipt's QR code (``/v/``),
and its refusal (one key per refusal code, with ``.help`` for what to do)."""

from __future__ import annotations

from .core import register

register(
    {
        "verify.title": ("回执核验", "Receipt check"),
        "verify.purged": (
            "签名图像已在保存期满后按规定删除，仅保留其哈希值，核验据此进行。",
            "The signature image was deleted at the end of its retention period; its hash is "
            "kept and checked.",
        ),
        "verify.matches": ("签名与回执一致", "The signature matches this receipt"),
        "verify.changed": ("签名已被改动", "The signature no longer matches"),
        "verify.matches.help": (
            "系统中保存的签名与回执上打印的内容相同，签名后未被改动。",
            "The signature on file is the one this receipt was printed from, unchanged since"
            " it was given.",
        ),
        "verify.changed.help": (
            "系统中保存的签名与签名时的记录不符。请保留这张回执，并联系管理处。",
            "The signature on file differs from what was recorded when it was given. Keep this"
            " receipt and contact the management office.",
        ),
        "verify.receipt": ("回执上的内容", "What the receipt shows"),
        "verify.estate": ("小区", "Estate"),
        "verify.job_ref": ("工单号", "Job ref"),
        "verify.resident": ("住户", "Resident"),
        "verify.unit": ("房号", "Unit"),
        "verify.signed_at": ("签署时间", "Signed at"),
        "verify.refused_at": ("拒签时间", "Refused at"),
        "verify.sha256": ("签名图像 SHA-256", "SHA-256 of the signature image"),
        "verify.no_image": (
            "无签名图像（住户拒绝签名）",
            "no image (the resident refused to sign)",
        ),
        "verify.checks": ("核验项目", "What was checked"),
        "verify.check.image": (
            "签名图像的 SHA-256 与回执上打印的一致",
            "The signature image has the SHA-256 printed on the receipt",
        ),
        "verify.check.evidence": (
            "笔迹和回访回答与签名时的记录一致",
            "The strokes and answers are as recorded when it was signed",
        ),
        "verify.check.evidence.old": (
            "本签名早于笔迹与回答的记录，仅核验图像",
            "Signed before strokes and answers were recorded: the image alone is checked",
        ),
        "verify.check.entry": (
            "签名时的审计记录完好，仍在本小区的审计链中",
            "The audit entry made at signing is unchanged and still in the estate's audit chain",
        ),
        "verify.pass": ("通过", "passed"),
        "verify.fail": ("未通过", "failed"),
        "verify.note": (
            "本页不显示住户的电话等个人信息。",
            "This page shows no phone number or other personal details.",
        ),
        "verify.unknown": ("找不到这张回执", "No receipt has this code"),
        "verify.unknown.help": (
            "请重新扫描回执上的二维码，或完整输入二维码下方印的网址。",
            "Scan the QR code on the receipt again, or type the whole address printed beside it.",
        ),
    }
)
