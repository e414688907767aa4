"""Charts drawn on the server as inline SVG (no JavaScript, no CDN): vertical bars for
a series over months, horizontal bars for counts by name. Every label is escaped; the
SVG carries a <title> and a text table is expected next to it for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#0b5394"
GRID = "#d9dee3"
INK = "#1f2933"
LABEL_CHARS = 28  # longer names are cut with an ellipsis (the full name is in the tooltip)


def _nice_max(value: float) -> float:
    """A round upper bound for an axis (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for mult in (1, 2, 5, 10):
        if value <= mult * step:
            return mult * step
    return 10 * step


def columns(points: Sequence[tuple[str, float]], *, title: str, width: int = 640,
            height: int = 240, unit: str = "") -> str:
    """Vertical bars, one per (label, value), e.g. complaints per month."""
    left, right, top, bottom = 40, 10, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for _, v in points), default=0))
    n = max(len(points), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" class="chart" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    steps = 5 if top_value % 5 == 0 and top_value >= 5 else 4
    for i in range(steps + 1):
        y = top + plot_h - plot_h * i / steps
        tick = top_value * i / steps
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="{INK}">{tick:g}</text>')
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top_value if top_value else 0
        x = left + slot * i + (slot - bar_w) / 2
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     f'fill="{BAR}"><title>{escape(label)}: {value:g}{escape(unit)}</title>'
                     f"</rect>")
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle" font-size="11" fill="{INK}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bars(items: Sequence[tuple[str, float]], *, title: str, width: int = 640,
         row: int = 26, label_width: int = 250, unit: str = "") -> str:
    """Horizontal bars, one per (name, value), largest first as given."""
    height = max(len(items), 1) * row + 8
    plot_w = width - label_width - 60
    top_value = max((v for _, v in items), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" class="chart" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    for i, (full, value) in enumerate(items):
        name = full if len(full) <= LABEL_CHARS else full[:LABEL_CHARS - 1] + "…"
        y = 4 + i * row
        w = plot_w * value / top_value
        parts.append(f'<text x="{label_width - 8}" y="{y + row * 0.62:.1f}" text-anchor="end" '
                     f'font-size="13" fill="{INK}">{escape(name)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
                     f'fill="{BAR}" rx="2"><title>{escape(full)}: {value:g}{escape(unit)}'
                     f"</title></rect>")
        parts.append(f'<text x="{label_width + w + 6:.1f}" y="{y + row * 0.62:.1f}" '
                     f'font-size="13" fill="{INK}">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)
