"""What the service writes in Odoo's words: the chatter note of a callback and an activity's
note, in Chinese or English."""

from __future__ import annotations

import html

from service import domain as d
from service.catalogue import t
from service.models import Callback, Estate, Job


def note_language(language: str) -> str:
    """The catalogue language of the notes: ``zh_CN`` for any Chinese, else ``en``."""
    return "zh_CN" if language.startswith("zh") else "en"


def callback_message(
    callback: Callback, job: Job, estate: Estate, language: str
) -> tuple[str, str]:
    """The chatter note for one callback: (HTML for the add-on, plain text without it)."""
    lang = note_language(language)
    local = callback.done_at.astimezone(d.zone(estate.timezone)).strftime("%Y-%m-%d %H:%M")
    sat = callback.satisfaction
    yes_no = {True: t("odoo.note.yes", lang), False: t("odoo.note.no", lang)}
    title = t("odoo.note.title", lang)
    lines = [
        t("odoo.note.by", lang, staff=callback.staff, role=t(f"odoo.role.{callback.role}", lang)),
        t("odoo.note.when", lang, when=local, channel=t(f"odoo.channel.{callback.channel}", lang)),
        t(
            "odoo.note.satisfaction",
            lang,
            answer=t(f"odoo.satisfaction.{sat}" if sat else "odoo.note.not_given", lang),
        ),
        t(
            "odoo.note.checks",
            lang,
            inspected=yes_no[bool(callback.inspected)],
            charge=yes_no[bool(callback.charge_verified)],
        ),
    ]
    if callback.service_feedback:
        lines.append(t("odoo.note.feedback", lang, text=callback.service_feedback))
    if callback.suggestions:
        lines.append(t("odoo.note.suggestions", lang, text=callback.suggestions))
    if callback.problems:
        lines.append(t("odoo.note.problems", lang, text=callback.problems))
    on_time = d.is_on_time(callback.done_at, job.deadline)
    verdict = t("odoo.note.on_time" if on_time else "odoo.note.late", lang)
    lines.append(t("odoo.note.deadline", lang, verdict=verdict))
    # The outbox key's marker is not part of the text: the gateway stores it out of sight.
    body_html = (
        f"<p><b>{html.escape(title)}</b></p><ul>"
        + "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        + "</ul>"
    )
    body_text = "\n".join([title, *lines])
    return body_html, body_text


def activity_note(text: str, link: str | None = None) -> str:
    """An activity's note as Odoo HTML: the text escaped, then the link (a notification's
    staff page) as a link office staff can open."""
    note = f"<p>{html.escape(text)}</p>"
    if link and link.startswith(("https://", "http://")):
        href = html.escape(link, quote=True)
        note += f'<p><a href="{href}">{html.escape(link)}</a></p>'
    elif link:
        note += f"<p>{html.escape(link)}</p>"
    return note
