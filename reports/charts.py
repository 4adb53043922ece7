"""Charts drawn on the server as accessible SVG: a title and a description, role="img"."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 220


def bar_chart(*, title: str, description: str, rows: Sequence[tuple[str, int]]) -> SafeString:
    """Horizontal bars, one per row; the page puts the same figures in a table beside it."""
    largest = max((value for _, value in rows), default=0) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + 6) + 6
    span = WIDTH - LABEL_WIDTH - 60
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="13">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5fa8"></rect>'
        '<text x="{}" y="{}" font-size="13">{}</text>',
        (
            (
                LABEL_WIDTH - 8,
                6 + i * (BAR_HEIGHT + 6) + 16,
                label[:34],
                LABEL_WIDTH,
                6 + i * (BAR_HEIGHT + 6),
                round(span * value / largest),
                BAR_HEIGHT,
                LABEL_WIDTH + round(span * value / largest) + 6,
                6 + i * (BAR_HEIGHT + 6) + 16,
                value,
            )
            for i, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{0}-t {0}-d" viewBox="0 0 {1} {2}" '
        'width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{0}-t">{3}</title>'
        '<desc id="{0}-d">{4}</desc>{5}</svg>',
        abs(hash(title)) % 10**8,
        WIDTH,
        height,
        title,
        description,
        bars,
    )


def line_chart(*, title: str, description: str, points: Sequence[tuple[str, int]]) -> SafeString:
    """A line over time, e.g. the people connected minute by minute."""
    height, pad = 200, 30
    largest = max((v for _, v in points), default=0) or 1
    step = (WIDTH - 2 * pad) / max(len(points) - 1, 1)
    coords = " ".join(
        f"{pad + i * step:.1f},{height - pad - (height - 2 * pad) * v / largest:.1f}"
        for i, (_, v) in enumerate(points)
    )
    first = points[0][0] if points else ""
    last = points[-1][0] if points else ""
    return format_html(
        '<svg class="chart" role="img" aria-labelledby="{0}-t {0}-d" viewBox="0 0 {1} {2}" '
        'width="100%" xmlns="http://www.w3.org/2000/svg"><title id="{0}-t">{3}</title>'
        '<desc id="{0}-d">{4}</desc>'
        '<polyline points="{5}" fill="none" stroke="#1f5fa8" stroke-width="2"></polyline>'
        '<text x="{6}" y="{7}" font-size="12">{8}</text>'
        '<text x="{9}" y="{7}" font-size="12" text-anchor="end">{10}</text>'
        '<text x="{6}" y="14" font-size="12">{11}</text></svg>',
        abs(hash(title)) % 10**8,
        WIDTH,
        height,
        title,
        description,
        coords,
        pad,
        height - 8,
        first,
        WIDTH - pad,
        last,
        largest,
    )
