"""The phone pages' text: the resident's confirmation, the staff page, and their refusals
(one key per refusal code, with ``.help`` for what to do)."""

from __future__ import annotations

from .core import register

register(
    {
        "phone.resident.title": ("维修回访确认", "Confirm your repair"),
        "phone.privacy.title": ("您的个人信息", "Your personal data"),
        "phone.privacy.body": (
            "我们保存您的姓名、电话、签名和评价，只用于本次维修的回访记录、收费核对和服务质量"
            "监督（《个人信息保护法》）。维修完成 {years} 年后，姓名、电话和签名图像将被删除，"
            "仅保留用于核验的哈希值。",
            "We keep your name, phone number, signature and answers only to record this "
            "repair's callback, check its charge and supervise the service (PIPL). {years} years "
            "after the repair your name, phone number and signature image are deleted; only the "
            "hashes that prove the record stay.",
        ),
        "phone.resident.intro": (
            "请确认本次维修情况，并在下方签名。",
            "Please confirm this repair and sign below.",
        ),
        "phone.job.title": ("维修内容", "Repair"),
        "phone.job.unit": ("房号", "Unit"),
        "phone.job.completed": ("完成时间", "Completed"),
        "phone.job.worker": ("维修师傅", "Repaired by"),
        "phone.job.charge": ("收费", "Charge"),
        "phone.job.phone": ("联系电话", "Phone"),
        "phone.job.resident": ("住户", "Resident"),
        "phone.job.ref": ("工单号", "Job"),
        "phone.job.deadline": ("回访期限", "Call back by"),
        "phone.job.category": ("类别", "Category"),
        "phone.job.free": ("免费", "Free"),
        "phone.q.satisfaction": ("您对本次维修满意吗？", "Are you satisfied with the repair?"),
        "phone.q.comment": ("意见或建议（选填）", "Comments or suggestions (optional)"),
        "phone.q.charge": ("本次收费", "What you were charged"),
        "phone.q.charge_dispute": ("我对收费有异议", "I dispute this charge"),
        "phone.q.charge_note": ("请说明（选填）", "Say why (optional)"),
        "phone.q.name": ("签名人姓名（选填）", "Your name (optional)"),
        "phone.sign.label": ("请在框内签名", "Sign in the box"),
        "phone.sign.undo": ("撤销", "Undo"),
        "phone.sign.clear": ("清除", "Clear"),
        "phone.sign.refuse": ("不签名（请说明原因）", "I will not sign (say why)"),
        "phone.sign.reason": ("不签名的原因", "Reason for not signing"),
        "phone.sign.empty": (
            "请先签名，或选择不签名并说明原因",
            "Please sign, or refuse and say why",
        ),
        "phone.sign.choose": ("请选择满意程度", "Please choose a satisfaction level"),
        "phone.submit": ("提交", "Submit"),
        "phone.sending": ("正在提交…", "Sending…"),
        "phone.net_error": (
            "网络连接失败，请稍后重试（您填写的内容不会丢失）",
            "No connection: try again shortly (nothing you entered is lost)",
        ),
        "phone.receipt.title": ("感谢您的确认", "Thank you for confirming"),
        "phone.receipt.saved": ("您的确认已保存。", "Your confirmation has been saved."),
        "phone.receipt.signed_at": ("签名时间", "Signed at"),
        "phone.receipt.refused": ("未签名，原因", "Not signed, reason"),
        "phone.receipt.hash": ("签名指纹 (SHA-256)", "Signature fingerprint (SHA-256)"),
        "phone.receipt.pdf": ("下载回执 PDF", "Download the receipt (PDF)"),
        "phone.receipt.answer": ("满意度", "Satisfaction"),
        "phone.receipt.comment": ("意见", "Comment"),
        "phone.staff.title": ("维修回访记录", "Record the callback"),
        "phone.staff.signed_in": ("回访人", "Called back by"),
        "phone.staff.channel": ("回访方式", "Channel"),
        "phone.staff.checklist": ("回访内容", "Checklist"),
        "phone.staff.inspected": ("已现场查看维修项目", "Repair inspected on site"),
        "phone.staff.feedback": ("住户对维修人员服务的评价", "Resident's view of the service"),
        "phone.staff.suggestions": ("改进意见", "Suggestions for improvement"),
        "phone.staff.charge_verified": ("已核实收费", "Charge verified"),
        "phone.staff.charge_amount": ("核实金额（元）", "Verified amount (CNY)"),
        "phone.staff.satisfaction": ("住户满意度", "Resident's satisfaction"),
        "phone.staff.problems": (
            "发现的问题（填写后将在 24 小时内书面通知维修人员整改）",
            "Problems found (the worker gets a written notice within 24 h)",
        ),
        "phone.staff.signature": ("住户签名", "Resident's signature"),
        "phone.staff.signature_skip": (
            "住户稍后用自己的手机扫码签名",
            "The resident will sign later with their own phone",
        ),
        "phone.staff.signature_sign": ("住户在本机签名", "The resident signs on this phone"),
        "phone.staff.resident_done": (
            "住户已在手机上确认",
            "The resident confirmed on their phone",
        ),
        "phone.staff.previous": ("已有回访", "Earlier callbacks"),
        "phone.staff.charge_disputed": ("对收费有异议", "disputes the charge"),
        "phone.call.title": ("电话回访", "Call the resident"),
        "phone.call.after": ("通话结束后，点一下结果：", "After the call, tap how it went:"),
        "phone.call.visit": (
            "电话多次未能联系上住户，请安排上门回访。",
            "The calls did not reach the resident: visit them on site.",
        ),
        "phone.call.reached": (
            "已接通：请在下面填写电话回访记录。",
            "Reached: fill in the phone callback below.",
        ),
        "phone.call.logged": ("已记录本次拨打。", "This call is recorded."),
        "phone.call.next_at": ("改约的时间", "The new time agreed"),
        "phone.call.note": ("说明（超过回访期限时必填）", "Why (needed past the deadline)"),
        "phone.call.save": ("保存改约", "Save the new time"),
        "phone.staff.draft_restored": ("已恢复未提交的草稿", "Unsent draft restored"),
        "phone.staff.offline": (
            "网络已断开：草稿已保存在本机，恢复网络后会自动重新提交。",
            "Offline: the draft stays on this phone and is sent when the connection is back.",
        ),
        "phone.staff.relogin": ("登录已过期，请重新登录", "Your sign-in expired: sign in again"),
        "phone.staff.done_title": ("回访已记录", "Callback recorded"),
        "phone.staff.done_on_time": ("按时回访", "On time"),
        "phone.staff.done_late": ("已超过回访期限", "After the deadline"),
        "phone.staff.rectification": ("已生成整改通知", "Rectification notice opened"),
        "phone.staff.new_link": ("为此工单再记一次回访", "Record another callback for this job"),
        "phone.staff.print": ("打印回访单", "Print the callback form"),
        "link.invalid": ("链接无效", "This link is not valid"),
        "link.invalid.help": (
            "链接可能被修改或不完整。请重新扫描回访单上的二维码。",
            "The link may have been altered or cut short. Scan the QR code on the form again.",
        ),
        "link.wrong_purpose": ("链接用错了", "Wrong link"),
        "link.wrong_purpose.help": (
            "这个二维码不是给您这一方使用的，请扫描回访单上对应的二维码。",
            "This QR code is for the other party: scan the other code on the form.",
        ),
        "link.expired": ("链接已过期", "This link has expired"),
        "link.expired.help": (
            "为了安全，回访链接有效期有限。请联系管理处获取新的回访单。",
            "Form links are valid for a limited time. Ask the management office for a new form.",
        ),
        "link.used": ("链接已使用", "This link was already used"),
        "link.used.help": (
            "每个链接只能提交一次，已提交的内容不会被更改。",
            "Each link can be submitted once; what was submitted is kept unchanged.",
        ),
        "link.no_job": ("找不到维修单", "Repair job not found"),
        "link.no_job.help": (
            "该维修单可能已被删除，请联系管理处。",
            "The job may have been removed; please contact the management office.",
        ),
        "link.not_signed": ("尚未签名", "Not signed yet"),
        "link.not_signed.help": (
            "这个链接还没有提交确认，因此没有回执。",
            "Nothing was submitted with this link yet, so there is no receipt.",
        ),
        "job.inactive": ("此维修单无需回访", "This job needs no callback"),
        "job.inactive.help": (
            "该维修单已取消或归档。",
            "The job was cancelled or archived.",
        ),
        "staff.other_estate": ("无权操作", "Not allowed"),
        "staff.other_estate.help": (
            "该维修单属于其他管理处。",
            "This job belongs to another estate.",
        ),
        "staff.no_role": ("无权操作", "Not allowed"),
        "staff.no_role.help": (
            "只有经理、主管和维修负责人可以记录回访。",
            "Only managers, supervisors and maintenance leads record callbacks.",
        ),
        "form.invalid": ("内容有误", "Please check the form"),
        "form.invalid.help": (
            "请按提示修改后重新提交，已填写的内容不会丢失。",
            "Correct what is shown and submit again: nothing you typed is lost.",
        ),
        "phone.back_receipt": ("查看回执", "See the receipt"),
    }
)

# The resident's confirmation link sent by text, WeChat or e-mail: the message itself (short:
# it is a text message first), the staff page's control, and its refusals.
register(
    {
        "resident_link.text": (
            "{estate}：您好，请为 {unit} 的维修回访确认并签名：{link}",
            "{estate}: hello, please confirm the repair at {unit} and sign: {link}",
        ),
        "resident_link.subject": (
            "{estate}：请确认 {unit} 的维修回访",
            "{estate}: please confirm the repair at {unit}",
        ),
        "resident_link.email_footer": (
            "链接 {days} 天内有效，只能提交一次。如有疑问，请联系管理处。",
            "The link is valid for {days} days and can be submitted once. Any question: "
            "contact the management office.",
        ),
        "resident_link.not_set_up": ("该发送方式尚未开通", "This way of sending is not set up"),
        "resident_link.not_set_up.help": (
            "请联系系统管理员开通短信、微信或电子邮件发送。",
            "Ask your administrator to set up texts, WeChat or e-mail.",
        ),
        "resident_link.no_phone": (
            "此工单没有可用的住户手机号",
            "This job has no resident phone number to text",
        ),
        "resident_link.no_phone.help": (
            "请改用电子邮件发送，或在 Odoo 中补充住户电话。",
            "Send it by e-mail instead, or add the resident's phone in Odoo.",
        ),
        "resident_link.no_email": ("请填写住户的电子邮箱", "Enter the resident's e-mail address"),
        "resident_link.phone_only": (
            "短信和微信只发往工单上的住户电话",
            "Texts and WeChat go to the job's resident phone only",
        ),
        "phone.link.title": ("发送确认链接给住户", "Send the resident their link"),
        "phone.link.intro": (
            "住户在自己的手机上确认并签名，无需纸质回访单。",
            "The resident confirms and signs on their own phone: no paper form needed.",
        ),
        "phone.link.channel.sms": ("短信", "Text"),
        "phone.link.channel.wechat": ("微信", "WeChat"),
        "phone.link.channel.email": ("电子邮件", "E-mail"),
        "phone.link.to_phone": ("发送至住户电话：", "To the resident's phone:"),
        "phone.link.no_phone": (
            "此工单没有住户电话：只能用电子邮件发送。",
            "This job has no resident phone: e-mail only.",
        ),
        "phone.link.email": ("住户的电子邮箱", "The resident's e-mail"),
        "phone.link.language": ("消息语言", "Language of the message"),
        "phone.link.lang.zh_CN": ("中文", "Chinese"),
        "phone.link.lang.en": ("英文", "English"),
        "phone.link.send": ("发送链接", "Send the link"),
        "phone.link.not_set_up": ("未开通", "not set up"),
        "phone.link.none_set_up": (
            "尚未开通短信、微信或电子邮件发送，请联系系统管理员。",
            "Texts, WeChat and e-mail are not set up: ask your administrator.",
        ),
        "phone.link.sent": (
            "已发送至 {to}：请住户点开链接确认并签名。",
            "Sent to {to}: the resident opens the link to confirm and sign.",
        ),
        "phone.link.queued": (
            "暂时未能发送至 {to}，系统会自动重试。",
            "Not sent to {to} yet: it is retried automatically.",
        ),
        "phone.link.failed": (
            "未能发送至 {to}（{error}）：请核对后改用其他方式。",
            "Could not be sent to {to} ({error}): check it, or use another way.",
        ),
        "phone.link.limited": (
            "发送太频繁：请于 {at} 之后再试。",
            "Sent too often: try again after {at}.",
        ),
        "phone.link.history": ("已发送的链接", "Links sent"),
        "phone.link.status.queued": ("待重试", "to be retried"),
        "phone.link.status.sent": ("已发送", "sent"),
        "phone.link.status.failed": ("发送失败", "failed"),
    }
)
