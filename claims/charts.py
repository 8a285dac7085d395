"""Server-drawn SVG charts for the dashboards: no script, readable right to left, each with
a title for screen readers (and the page shows the same figures as a table)."""

from __future__ import annotations

from html import escape

from accounts.jalali import fa_digits, rial

COLOURS = ["#0a58ca", "#b02a37", "#146c43", "#6f42c1", "#ca6510", "#0f5132"]


def grouped_bars(*, title: str, groups: list[str], series: list[tuple[str, list[int]]],
                 height: int = 260) -> str:
    """Bars per group (e.g. Jalali months), one bar per series (claimed, deducted, paid),
    groups running right to left as the page reads."""
    if not groups:
        return ""
    width = max(360, 90 * len(groups) + 60)
    top = max([max(values) for _, values in series if values] + [1])
    plot = height - 70
    slot = (width - 40) / len(groups)
    bar = max(6.0, (slot - 16) / max(len(series), 1))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} '
             f'{height}" width="{width}" height="{height}" style="max-width:100%;height:auto" '
             f'aria-label="{escape(title)}" direction="rtl">',
             f"<title>{escape(title)}</title>"]
    for index, group in enumerate(groups):
        x0 = width - 20 - slot * (index + 1) + 8  # the first group on the right
        for s, (_name, values) in enumerate(series):
            value = values[index] if index < len(values) else 0
            h = plot * value / top
            x = x0 + bar * (len(series) - 1 - s)
            parts.append(f'<rect x="{x:.1f}" y="{20 + plot - h:.1f}" width="{bar - 2:.1f}" '
                         f'height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                         f"<title>{escape(_name)}: {rial(value)}</title></rect>")
        parts.append(f'<text x="{x0 + (slot - 16) / 2:.1f}" y="{height - 32}" '
                     f'text-anchor="middle" font-size="12">{escape(fa_digits(group))}</text>')
    for s, (name, _values) in enumerate(series):
        x = width - 20 - 130 * s
        parts.append(f'<rect x="{x - 12}" y="{height - 18}" width="10" height="10" '
                     f'fill="{COLOURS[s % len(COLOURS)]}"/>'
                     f'<text x="{x - 16}" y="{height - 9}" text-anchor="end" font-size="12">'
                     f"{escape(name)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(*, title: str, rows: list[tuple[str, int]]) -> str:
    """One bar per row (a reason, a facility), longest first, labels on the right."""
    if not rows:
        return ""
    width, line = 520, 28
    height = 20 + line * len(rows)
    top = max(value for _label, value in rows) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} '
             f'{height}" width="{width}" height="{height}" style="max-width:100%;height:auto" '
             f'aria-label="{escape(title)}" direction="rtl">',
             f"<title>{escape(title)}</title>"]
    for index, (label, value) in enumerate(rows):
        y = 10 + line * index
        length = 300 * value / top
        parts.append(f'<text x="{width - 4}" y="{y + 17}" text-anchor="end" font-size="12">'
                     f"{escape(label)}</text>"
                     f'<rect x="{width - 190 - length:.1f}" y="{y + 5}" width="{length:.1f}" '
                     f'height="16" fill="{COLOURS[1]}"/>'
                     f'<text x="{width - 196 - length:.1f}" y="{y + 17}" text-anchor="end" '
                     f'font-size="11">{rial(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)
