"""A short-text poll's answers drawn as a word cloud: laid out here, on the server, as SVG.

The most frequent answer is the largest and sits in the middle; each next one is placed on a
spiral around it at the first spot where its box overlaps no other. A word's width is estimated
from its letters, and the SVG asks the browser to draw it at exactly that width
(`textLength`), so whatever font the screen has, no two words overlap. If the words do not all
fit, every size is made smaller and the layout starts again. The same answers always give the
same picture. The stage shows it (moderation/views.py: `stage_cloud`) beside a table of the
same words and counts for those who cannot see it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from xml.sax.saxutils import escape

from django.core.cache import cache

# A 16:9 picture: a projector's 1280×720 or 1920×1080, scaled.
WIDTH, HEIGHT = 1600, 900
# The smallest word stays about 25 px high on a 1280×720 projector, where the cloud is drawn
# about half this size.
LARGEST, SMALLEST = 170.0, 52.0
GAP = 10.0  # between two words' boxes
# Each try fits the words at these sizes times 0.85 ** try, from a first scale at which their
# boxes cover two thirds of the picture. 30 answers are laid out in about 15 ms.
TRIES = 12
# No word smaller than this: the least frequent answer stays about 18 px high on a 1280×720
# projector; what does not fit so is left to the table.
MIN_SIZE = 36.0
SPIRAL_STEPS = 4000

PALETTES = {
    # On the stage's near-black background; each above 7:1.
    "dark": ("#f5f7fa", "#ffd166", "#8ec5ff", "#9be7b0", "#ffadad"),
    # On white (a report, a page); each above 4.5:1.
    "light": ("#1d2733", "#8a4b00", "#0b57a3", "#1d6b37", "#a3262a"),
}

# Widths of letters in ems, as a sans-serif font draws them, near enough for the layout.
_NARROW = set("iIjlftr.,:;'!|()[]1 ")
_WIDE = set("mwMWQ@%")


def text_width(text: str, size: float) -> float:
    """The estimated width of `text` at `size` pixels."""
    ems = 0.0
    for letter in text:
        if letter in _NARROW:
            ems += 0.32
        elif letter in _WIDE:
            ems += 0.86
        elif letter.isupper() or letter.isdigit():
            ems += 0.66
        else:
            ems += 0.56
    return max(ems, 0.5) * size


@dataclass(frozen=True)
class Placed:
    """A word where it is drawn: its centre, its size in pixels and the width it is drawn at."""

    text: str
    count: int
    x: float
    y: float
    size: float
    width: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        half_w, half_h = self.width / 2 + GAP / 2, self.size * 0.62 + GAP / 2
        return (self.x - half_w, self.y - half_h, self.x + half_w, self.y + half_h)


# The spots tried, in order: an Archimedean spiral out from the middle, stretched to 16:9.
_SPIRAL = [
    (
        round(WIDTH / 2 + 2.2 * step * 0.15 * math.cos(step * 0.15) * (WIDTH / HEIGHT), 1),
        round(HEIGHT / 2 + 2.2 * step * 0.15 * math.sin(step * 0.15), 1),
    )
    for step in range(SPIRAL_STEPS)
]


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _sizes(words: Sequence[tuple[str, int]], scale: float) -> list[float]:
    most = max(count for _text, count in words)
    least = min(count for _text, count in words)
    spread = max(most - least, 1)
    # Smaller, the largest shrinks with the scale and the smallest stops at a readable size.
    floor = max(SMALLEST * scale, MIN_SIZE)
    top = max(LARGEST * scale, floor)
    # By the square root: a word's area, not its height, grows with its count.
    return [
        floor + (top - floor) * math.sqrt((count - least) / spread)
        if most != least
        else (top + floor) / 2
        for _text, count in words
    ]


def _place(words: Sequence[tuple[str, int]], scale: float) -> list[Placed] | None:
    placed: list[Placed] = []
    boxes: list[tuple[float, float, float, float]] = []
    for (text, count), size in zip(words, _sizes(words, scale), strict=True):
        width = text_width(text, size)
        if width > WIDTH - GAP * 2:  # one long answer: as large as the width allows
            size *= (WIDTH - GAP * 2) / width
            width = WIDTH - GAP * 2
        spot = None
        # The box it last ran into is tried first: the next spots on the spiral mostly run
        # into the same one, so a spot costs one comparison rather than one per word placed.
        last = 0
        size = round(size, 1)
        half_w, half_h = width / 2 + GAP / 2, size * 0.62 + GAP / 2
        for x, y in _SPIRAL:
            box = (x - half_w, y - half_h, x + half_w, y + half_h)
            if box[0] < 0 or box[1] < 0 or box[2] > WIDTH or box[3] > HEIGHT:
                continue
            if boxes and _overlaps(box, boxes[last]):
                continue
            hit = next((i for i, other in enumerate(boxes) if _overlaps(box, other)), None)
            if hit is None:
                spot = Placed(text, count, x, y, size, width)
                break
            last = hit
        if spot is None:
            return None
        placed.append(spot)
        boxes.append(spot.box)
    return placed


def _first_scale(words: Sequence[tuple[str, int]]) -> float:
    """A scale at which the words' boxes cover at most two thirds of the picture: the layout rarely
    has to start again smaller."""
    covered = sum(
        (text_width(text, size) + GAP) * (size * 1.24 + GAP)
        for (text, _count), size in zip(words, _sizes(words, 1.0), strict=True)
    )
    return min(1.0, math.sqrt(0.65 * WIDTH * HEIGHT / covered))


def layout(words: Sequence[tuple[str, int]]) -> list[Placed]:
    """Where each word goes: most frequent first; every word placed, smaller if need be."""
    words = [(text, count) for text, count in words if text.strip()]
    if not words:
        return []
    words = sorted(words, key=lambda word: (-word[1], word[0]))
    first = _first_scale(words)
    for attempt in range(TRIES):
        placed = _place(words, first * 0.85**attempt)
        if placed is not None:
            return placed
    smallest = first * 0.85 ** (TRIES - 1)
    # Too many to fit at a readable size: as many of the most frequent as do, found by halving
    # (the table beside the picture lists them all).
    low, high, best = 1, len(words) - 1, _place(words[:1], smallest) or []
    while low <= high:
        middle = (low + high) // 2
        placed = _place(words[:middle], smallest)
        if placed is None:
            high = middle - 1
        else:
            best, low = placed, middle + 1
    return best


def svg(words: Sequence[tuple[str, int]], *, label: str, theme: str = "dark") -> str:
    """The word cloud as an SVG document; `label` names it for those who cannot see it."""
    palette = PALETTES[theme]
    named = escape(label, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{named}">'
        f"<title>{escape(label)}</title>"
    ]
    for index, word in enumerate(layout(words)):
        parts.append(
            f'<text x="{word.x:g}" y="{word.y:g}" font-size="{word.size:g}" '
            f'textLength="{word.width:.1f}" lengthAdjust="spacingAndGlyphs" '
            f'text-anchor="middle" dominant-baseline="central" font-weight="700" '
            f"font-family=\"system-ui, 'Noto Sans', 'DejaVu Sans', sans-serif\" "
            f'fill="{palette[index % len(palette)]}">{escape(word.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def drawn(words: Sequence[tuple[str, int]], *, label: str, theme: str = "dark") -> str:
    """`svg`, kept in the cache under what it shows: the stage screens showing a poll, and the
    archive and report of a closed one, lay it out once per change of its answers."""
    shown = json.dumps([label, theme, list(words)], ensure_ascii=False)
    key = "wordcloud:" + sha256(shown.encode()).hexdigest()
    drawing: str | None = cache.get(key)
    if drawing is None:
        drawing = svg(words, label=label, theme=theme)
        cache.set(key, drawing, 24 * 3600)
    return drawing
