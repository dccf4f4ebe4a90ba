"""Small server-side SVG charts for the dashboard: gauges, bars, stacked bars.

Plain strings of SVG, escaped, sized by ``viewBox`` so they scale from a phone to a desktop.
No script and nothing fetched: the page works offline and prints as it looks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

OK = "#027a48"
BAD = "#b42318"
WARN = "#b54708"
TRACK = "#e4e7eb"
INK = "#1f2933"
MUTED = "#616e7c"
SATISFACTION_COLOURS = ("#12b76a", "#fdb022", "#f04438")


def _polar(cx: float, cy: float, r: float, angle: float) -> tuple[float, float]:
    return cx + r * math.cos(angle), cy - r * math.sin(angle)


def _arc(cx: float, cy: float, r: float, start: float, end: float) -> str:
    """Path of an arc from ``start`` to ``end`` (radians, counter-clockwise from 3 o'clock,
    drawn clockwise across the top as the angle falls)."""
    x1, y1 = _polar(cx, cy, r, start)
    x2, y2 = _polar(cx, cy, r, end)
    large = 1 if abs(start - end) > math.pi else 0
    return f"M{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f}"


def gauge(done: int, required: int, *, label: str, sublabel: str = "") -> Markup:
    """A half-ring: the coloured part is done / required (full at or over the quota).

    Green when the quota is met, red when short. A quota of zero shows a full green ring.
    """
    share = 1.0 if required <= 0 else min(done / required, 1.0)
    met = done >= required
    colour = OK if met else (WARN if share >= 0.75 else BAD)
    cx, cy, r, width = 100.0, 100.0, 80.0, 22.0
    track = _arc(cx, cy, r, math.pi, 0.0)
    parts = [
        f'<svg class="gauge" viewBox="0 0 200 130" role="img" aria-label="{escape(label)}: '
        f'{done}/{required}" xmlns="http://www.w3.org/2000/svg">',
        f'<path d="{track}" fill="none" stroke="{TRACK}" stroke-width="{width}"/>',
    ]
    if share > 0:
        end = math.pi - math.pi * share
        # A full half-ring needs a sliver of room: an arc to its own start point draws nothing.
        end = max(end, 0.0001)
        parts.append(
            f'<path d="{_arc(cx, cy, r, math.pi, end)}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}"/>'
        )
    parts += [
        f'<text x="100" y="92" text-anchor="middle" font-size="34" font-weight="700" '
        f'fill="{colour}">{done}<tspan font-size="20" fill="{MUTED}">/{required}</tspan></text>',
        f'<text x="100" y="122" text-anchor="middle" font-size="15" fill="{INK}">'
        f"{escape(sublabel)}</text>",
        "</svg>",
    ]
    return Markup("".join(parts))


def stacked_bar(
    segments: Sequence[tuple[str, int]],
    colours: Sequence[str] = SATISFACTION_COLOURS,
    *,
    empty_text: str = "—",
) -> Markup:
    """One 100 % bar split by share, with a legend row of label, count and share below."""
    total = sum(n for _, n in segments)
    width, height = 600.0, 34.0
    parts = [
        f'<svg class="stacked" viewBox="0 0 600 {height + 34:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>'
        + str(escape(", ".join(f"{label} {n}" for label, n in segments)))
        + "</title>"
    ]
    if total == 0:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" rx="6" fill="{TRACK}"/>')
        parts.append(
            f'<text x="300" y="23" text-anchor="middle" font-size="16" fill="{MUTED}">'
            f"{escape(empty_text)}</text>"
        )
    x = 0.0
    for (_label, n), colour in zip(segments, colours, strict=False):
        if total == 0 or n == 0:
            continue
        w = width * n / total
        parts.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{colour}"/>')
        if w > 44:
            parts.append(
                f'<text x="{x + w / 2:.2f}" y="24" text-anchor="middle" font-size="20" '
                f'fill="#fff" font-weight="700">{n * 100 / total:.0f}%</text>'
            )
        x += w
    legend_x = 0.0
    step = width / max(len(segments), 1)
    for (label, n), colour in zip(segments, colours, strict=False):
        parts.append(
            f'<rect x="{legend_x:.1f}" y="{height + 10}" width="16" height="16" rx="3" '
            f'fill="{colour}"/><text x="{legend_x + 22:.1f}" y="{height + 26}" font-size="19" '
            f'fill="{INK}">{escape(label)} {n}</text>'
        )
        legend_x += step
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_meter(rate: float | None, target: float, *, label: str, scale_max: float = 0.1) -> Markup:
    """A horizontal meter of a small rate (e.g. complaints) with the target marked.

    The scale runs to ``scale_max`` (10 % by default) so a 1 % target is visible; higher rates
    fill the bar.
    """
    width, height = 600.0, 26.0
    value = 0.0 if rate is None else rate
    share = min(value / scale_max, 1.0) if scale_max > 0 else 0.0
    colour = MUTED if rate is None else (OK if value < target else BAD)
    tx = width * min(target / scale_max, 1.0)
    text = "—" if rate is None else f"{value * 100:.1f}%"
    return Markup(
        f'<svg class="meter" viewBox="0 0 600 60" role="img" aria-label="{escape(label)} {text}" '
        'xmlns="http://www.w3.org/2000/svg">'
        f'<rect x="0" y="4" width="{width}" height="{height}" rx="6" fill="{TRACK}"/>'
        f'<rect x="0" y="4" width="{width * share:.2f}" height="{height}" rx="6" '
        f'fill="{colour}"/>'
        f'<line x1="{tx:.2f}" y1="0" x2="{tx:.2f}" y2="{height + 8}" stroke="{INK}" '
        'stroke-width="3" stroke-dasharray="4 2"/>'
        f'<text x="{tx + 6:.2f}" y="54" font-size="18" fill="{INK}">{escape(label)}</text>'
        f'<text x="{width - 4}" y="54" text-anchor="end" font-size="18" fill="{MUTED}">'
        f"{scale_max * 100:.0f}%</text>"
        "</svg>"
    )


def hbars(
    rows: Sequence[tuple[str, float, str]],
    *,
    max_value: float | None = None,
    value_format: str = "{:.0f}",
) -> Markup:
    """Horizontal bars with a label column and the value at the bar's end."""
    if not rows:
        return Markup("")
    top = max_value or max((v for _, v, _ in rows), default=0) or 1
    row_h, label_w, width = 34, 150, 600
    bar_w = width - label_w - 70
    height = row_h * len(rows) + 4
    parts = [
        f'<svg class="hbars" viewBox="0 0 {width} {height}" role="img" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, colour) in enumerate(rows):
        y = i * row_h + 4
        w = bar_w * max(value, 0) / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" font-size="19" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{bar_w}" height="24" rx="4" fill="{TRACK}"/>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.2f}" height="24" rx="4" '
            f'fill="{colour}"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 20}" font-size="19" fill="{INK}">'
            f"{escape(value_format.format(value))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
