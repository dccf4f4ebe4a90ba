"""The monthly report as an A4 PDF (reportlab): figures, charts, and the lists to act on.

Chinese with English beside it. The Chinese font comes from ``qr_forms.fonts`` (an embedded
TrueType CJK font when the machine has one), else reportlab's built-in ``STSong-Light``.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect, String, Wedge
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .. import domain as d
from ..catalogue import t
from ..catalogue.formats import pct
from ..usecases.dashboard import Dashboard
from .report_rows import (
    bilingual,
    late_rect_rows,
    overdue_rows,
    role_rows,
    staff_rows,
    summary_rows,
    worker_rows,
)

BRAND = colors.HexColor("#0f766e")
OK = colors.HexColor("#027a48")
BAD = colors.HexColor("#b42318")
WARN = colors.HexColor("#b54708")
TRACK = colors.HexColor("#e4e7eb")
MUTED = colors.HexColor("#616e7c")
SATISFACTION = [colors.HexColor(c) for c in ("#12b76a", "#fdb022", "#f04438")]


@cache
def font_name() -> str:
    try:
        from qr_forms.fonts import cjk_font
    except ImportError:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        return "STSong-Light"
    return cjk_font().name


def _styles() -> dict[str, ParagraphStyle]:
    font = font_name()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=17, leading=22, textColor=BRAND),
        "h2": ParagraphStyle(
            "h2",
            fontName=font,
            fontSize=12.5,
            leading=17,
            spaceBefore=8,
            spaceAfter=4,
            textColor=BRAND,
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9, leading=12, alignment=TA_LEFT),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10),
        "muted": ParagraphStyle("muted", fontName=font, fontSize=8.5, leading=11, textColor=MUTED),
    }


def _gauges(dash: Dashboard, width: float) -> Drawing:
    font = font_name()
    cell = width / 3
    drawing = Drawing(width, 46 * mm)
    for i, view in enumerate(dash.roles):
        q = view.quota
        cx, cy, r = cell * i + cell / 2, 16 * mm, 22 * mm
        share = 1.0 if q.required <= 0 else min(q.done / q.required, 1.0)
        colour = OK if q.compliant else (WARN if share >= 0.75 else BAD)
        drawing.add(Wedge(cx, cy, r, 0, 180, radius1=r - 7 * mm, fillColor=TRACK, strokeColor=None))
        if share > 0:
            drawing.add(
                Wedge(
                    cx,
                    cy,
                    r,
                    180 - 180 * share,
                    180,
                    radius1=r - 7 * mm,
                    fillColor=colour,
                    strokeColor=None,
                )
            )
        drawing.add(
            String(
                cx,
                cy + 2,
                f"{q.done}/{q.required}",
                fontName=font,
                fontSize=15,
                fillColor=colour,
                textAnchor="middle",
            )
        )
        drawing.add(
            String(
                cx,
                cy - 6 * mm,
                bilingual(f"role.{view.role.value}"),
                fontName=font,
                fontSize=9,
                textAnchor="middle",
            )
        )
        status = bilingual("dash.met") if q.compliant else bilingual("dash.short", n=q.shortfall)
        drawing.add(
            String(
                cx,
                cy - 10.5 * mm,
                status,
                fontName=font,
                fontSize=8.5,
                fillColor=OK if q.compliant else BAD,
                textAnchor="middle",
            )
        )
    return drawing


def _satisfaction_bar(dash: Dashboard, width: float) -> Drawing:
    font = font_name()
    drawing = Drawing(width, 16 * mm)
    counts = [dash.result.satisfaction[s] for s in d.Satisfaction]
    total = sum(counts)
    bar_y, bar_h = 8 * mm, 7 * mm
    if total == 0:
        drawing.add(Rect(0, bar_y, width, bar_h, fillColor=TRACK, strokeColor=None))
    x = 0.0
    for n, colour in zip(counts, SATISFACTION, strict=True):
        if total == 0 or n == 0:
            continue
        w = width * n / total
        drawing.add(Rect(x, bar_y, w, bar_h, fillColor=colour, strokeColor=None))
        if w > 12 * mm:
            drawing.add(
                String(
                    x + w / 2,
                    bar_y + 2 * mm,
                    f"{n * 100 / total:.0f}%",
                    fontName=font,
                    fontSize=9,
                    fillColor=colors.white,
                    textAnchor="middle",
                )
            )
        x += w
    step = width / 3
    for i, (s, n, colour) in enumerate(zip(d.Satisfaction, counts, SATISFACTION, strict=True)):
        drawing.add(Rect(step * i, 1.5 * mm, 3 * mm, 3 * mm, fillColor=colour, strokeColor=None))
        drawing.add(
            String(
                step * i + 4.5 * mm,
                1.8 * mm,
                f"{bilingual('satisfaction.' + s.value)} {n}",
                fontName=font,
                fontSize=8.5,
            )
        )
    return drawing


def _complaint_meter(dash: Dashboard, width: float) -> Drawing:
    font = font_name()
    drawing = Drawing(width, 13 * mm)
    rate, target, scale = dash.result.complaint_rate, dash.complaint_target, 0.1
    value = rate or 0.0
    bar_y, bar_h = 6 * mm, 5 * mm
    drawing.add(Rect(0, bar_y, width, bar_h, fillColor=TRACK, strokeColor=None))
    colour = MUTED if rate is None else (OK if value < target else BAD)
    drawing.add(
        Rect(0, bar_y, width * min(value / scale, 1.0), bar_h, fillColor=colour, strokeColor=None)
    )
    tx = width * target / scale
    drawing.add(
        Rect(
            tx - 0.6,
            bar_y - 1.5 * mm,
            1.2,
            bar_h + 3 * mm,
            fillColor=colors.black,
            strokeColor=None,
        )
    )
    drawing.add(
        String(
            tx + 1.5 * mm,
            1 * mm,
            bilingual("dash.complaint_target", target="1%"),
            fontName=font,
            fontSize=8,
        )
    )
    drawing.add(
        String(
            width, 1 * mm, f"{pct(rate, 2)}  (0–10%)", fontName=font, fontSize=8.5, textAnchor="end"
        )
    )
    return drawing


def _table(head: list[str], rows: list[list[str]], widths: list[float] | None = None) -> Flowable:
    styles = _styles()
    if not rows:
        return Paragraph(bilingual("report.none"), styles["muted"])
    data = [[Paragraph(h, styles["cell"]) for h in head]] + [
        [Paragraph(str(c), styles["cell"]) for c in row] for row in rows
    ]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ccfbf1")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#d9e2ec")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f5f7fa")]),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _projection_lines(dash: Dashboard) -> list[str]:
    lines = []
    for view in dash.roles:
        role = bilingual(f"role.{view.role.value}")
        if dash.clock.days_left == 0:
            key = "dash.projection.closed" if view.quota.shortfall else "dash.projection.closed_ok"
            lines.append(bilingual(key, role=role, n=view.quota.shortfall))
        elif view.needed_by_end:
            lines.append(
                bilingual(
                    "dash.projection", role=role, n=view.needed_by_end, days=dash.clock.days_left
                )
            )
        else:
            lines.append(bilingual("dash.projection.done", role=role))
    return lines


def to_pdf(dash: Dashboard) -> bytes:
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{bilingual('report.title')} {dash.estate.code} {dash.period}",
        author="Huifang",
    )
    width = doc.width
    story: list[Any] = [
        Paragraph(f"{bilingual('report.title')}", styles["title"]),
        Paragraph(
            f"{dash.estate.name} ({dash.estate.code}) · {dash.period} · "
            f"{bilingual('report.as_of')} {dash.as_of.astimezone(dash.tz):%Y-%m-%d %H:%M}",
            styles["body"],
        ),
        Spacer(0, 3 * mm),
        Paragraph(bilingual("report.roles"), styles["h2"]),
        _gauges(dash, width),
        *[Paragraph("• " + line, styles["body"]) for line in _projection_lines(dash)],
        Spacer(0, 2 * mm),
        _table(*role_rows(dash), widths=[width * w for w in (0.26, 0.1, 0.14, 0.14, 0.14, 0.22)]),
        Paragraph(bilingual("dash.satisfaction"), styles["h2"]),
        _satisfaction_bar(dash, width),
        Paragraph(bilingual("dash.complaint_rate"), styles["h2"]),
        _complaint_meter(dash, width),
        KeepTogether(
            [
                Paragraph(bilingual("report.summary"), styles["h2"]),
                _table(
                    [bilingual("report.figure"), bilingual("report.value")],
                    summary_rows(dash),
                    widths=[width * 0.45, width * 0.55],
                ),
            ]
        ),
        Paragraph(bilingual("report.shortfalls"), styles["h2"]),
        _table(
            *role_rows(dash)[:1],
            [
                row
                for row, view in zip(role_rows(dash)[1], dash.roles, strict=True)
                if view.quota.shortfall > 0
            ],
            widths=[width * w for w in (0.26, 0.1, 0.14, 0.14, 0.14, 0.22)],
        ),
        Paragraph(f"{bilingual('report.overdue_list')} ({dash.result.overdue_open})", styles["h2"]),
        _table(
            *overdue_rows(dash), widths=[width * w for w in (0.17, 0.16, 0.2, 0.16, 0.12, 0.19)]
        ),
        Paragraph(
            f"{bilingual('report.late_rects')} ({dash.result.rectifications_late})", styles["h2"]
        ),
        _table(*late_rect_rows(dash), widths=[width * w for w in (0.18, 0.12, 0.34, 0.18, 0.18)]),
        Paragraph(bilingual("report.staff_table"), styles["h2"]),
        _table(*staff_rows(dash)),
        Paragraph(bilingual("report.worker_table"), styles["h2"]),
        _table(*worker_rows(dash)),
    ]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font_name(), 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(
            15 * mm,
            8 * mm,
            f"{t('app.name', 'en')} {t('app.name', 'zh_CN')} · {dash.estate.code} · {dash.period}",
        )
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"{document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
