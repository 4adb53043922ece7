"""Themes of a live room: the questions of a dialogue grouped by what they are about.

Beyond the near-duplicate check (moderation/screening.py), which pairs questions worded alike,
a theme gathers questions about one matter worded differently. Each question is a vector of its
content terms — folded syllables and pairs of neighbouring syllables, the narrative around it
set aside (law/matching.py), each weighted by its rarity among the library's articles — and of
the three articles of the legal library that best answer it. Questions are taken in the order
they were asked: each joins the theme whose summed vector is closest (cosine at least
`JOIN_AT`), or starts one. The grouping is the same whenever it is made from the same questions.

A theme is labelled with its most telling words (the terms that weigh most in it, shared by two
of its questions at least) and the articles most of its questions lead to; it suggests merging
those of its questions that are near duplicates of an earlier one (rapidfuzz, as screening
does), which a moderator confirms with the console's merge (`moderation/record.py`).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from law.matching import STOPWORDS, Entry, Index, library_index, question_terms, strip_narrative
from law.text import fold
from live.broadcast import broadcast_on_commit
from live.groups import moderators_group

# A question joins a theme when its vector's cosine with the theme's is at least this.
JOIN_AT = 0.4
# An article a question leads to counts as a term this heavy (its rank 1, 2, 3 less and less).
ARTICLE_WEIGHT = 3.0
ARTICLES_PER_QUESTION = 3
# Two questions of a theme are offered for merging from this rapidfuzz token-set ratio.
MERGE_AT = 75
WORDS_SHOWN = 4
MERGES_SHOWN = 5

_WORD = re.compile(r"\w+", re.UNICODE)

Vector = dict[str, float]


@dataclass(frozen=True)
class Asked:
    """A question as the themes see it."""

    id: int
    text: str
    mergeable: bool = True  # still incoming or published, not answered


@dataclass
class Theme:
    questions: list[int] = field(default_factory=list)
    vector: Vector = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)  # article keys, most shared first
    merges: list[tuple[int, int, int]] = field(default_factory=list)  # target, source, score


@dataclass(frozen=True)
class Features:
    terms: Vector
    articles: tuple[str, ...]


def features(index: Index, text: str) -> Features:
    """A question's terms weighted by rarity, and the articles of the library that answer it."""
    counts = Counter(question_terms(text))
    terms = {term: count * index.rarity(term) for term, count in counts.items()}
    found = index.search(text, limit=ARTICLES_PER_QUESTION) if terms else []
    return Features(terms, tuple("/".join(m.key) for m in found if m.paired))


def _vector(found: Features) -> Vector:
    vector = dict(found.terms)
    norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
    vector = {term: w / norm for term, w in vector.items()}
    for rank, key in enumerate(found.articles):
        vector[f"§{key}"] = ARTICLE_WEIGHT / (rank + 1) / 3
    return vector


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(term, 0.0) for term, w in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


@dataclass
class Grouping:
    """Questions grouped so far, to go on from when more are asked."""

    asked: list[Asked] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    found: dict[int, Features] = field(default_factory=dict)


def extend(
    grouping: Grouping,
    questions: Sequence[Asked],
    featured: Callable[[Asked], Features],
    *,
    join_at: float = JOIN_AT,
) -> Grouping:
    """Add questions, in the order asked, to a grouping: each joins the closest theme or
    starts one. Themes are labelled by `label`."""
    for question in questions:
        grouping.found[question.id] = featured(question)
        vector = _vector(grouping.found[question.id])
        best, closest = None, join_at
        for theme in grouping.themes:
            closeness = _cosine(vector, theme.vector)
            if closeness >= closest:
                best, closest = theme, closeness
        if best is None:
            best = Theme()
            grouping.themes.append(best)
        best.questions.append(question.id)
        for term, weight in vector.items():
            best.vector[term] = best.vector.get(term, 0.0) + weight
        grouping.asked.append(question)
    return grouping


def label(grouping: Grouping, themes: Iterable[Theme]) -> None:
    """Give themes their telling words, articles and merge suggestions."""
    by_id = {q.id: q for q in grouping.asked}
    for theme in themes:
        _label(theme, [by_id[pk] for pk in theme.questions], grouping.found)


def group(
    questions: Sequence[Asked], featured: Callable[[Asked], Features], *, join_at: float = JOIN_AT
) -> list[Theme]:
    """The questions, in the order asked, grouped into themes (each question in one)."""
    grouping = extend(Grouping(), questions, featured, join_at=join_at)
    label(grouping, grouping.themes)
    return grouping.themes


def _label(theme: Theme, members: list[Asked], found: dict[int, Features]) -> None:
    """The theme's telling words, its articles and its merge suggestions."""
    shared = Counter(term for q in members for term in found[q.id].terms)
    spelled = _spellings(q.text for q in members)
    telling = sorted(
        (t for t, w in theme.vector.items() if not t.startswith("§") and shared[t] >= 2),
        key=lambda t: -theme.vector[t],
    )
    words: list[str] = []
    for term in telling:
        shown = " ".join(spelled.get(s, s) for s in term.split("_"))
        if all(term_part not in STOPWORDS for term_part in term.split("_")) and not any(
            shown in other for other in words
        ):
            words = [w for w in words if w not in shown] + [shown]
        if len(words) >= WORDS_SHOWN:
            break
    theme.words = words
    cited = Counter(key for q in members for key in found[q.id].articles[:1])
    theme.articles = [key for key, n in cited.most_common(2) if n * 2 >= len(members)]
    theme.merges = _merges(members)


def _spellings(texts: Iterable[str]) -> dict[str, str]:
    """Each folded syllable and the way the questions spell it most often."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in _WORD.findall(text.lower()):
            seen[fold(word)][word] += 1
    return {folded: spellings.most_common(1)[0][0] for folded, spellings in seen.items()}


def _merges(members: list[Asked]) -> list[tuple[int, int, int]]:
    """Later questions of the theme worded like an earlier one: (earlier, later, score)."""
    folded = {q.id: strip_narrative(fold(q.text)) for q in members}
    merges = []
    for i, later in enumerate(members):
        if not later.mergeable:
            continue
        for earlier in members[:i]:
            score = fuzz.token_set_ratio(folded[earlier.id], folded[later.id])
            if score >= MERGE_AT:
                merges.append((earlier.id, later.id, round(score)))
                break
    return merges[:MERGES_SHOWN]


def pairwise(predicted: Sequence[Sequence[int]], gold: dict[int, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against gold labels (question → theme)."""
    same_predicted = {(a, b) for members in predicted for a in members for b in members if a < b}
    by_gold: dict[str, list[int]] = defaultdict(list)
    for question, label in gold.items():
        by_gold[label].append(question)
    same_gold = {(a, b) for members in by_gold.values() for a in members for b in members if a < b}
    both = len(same_predicted & same_gold)
    precision = both / len(same_predicted) if same_predicted else 1.0
    recall = both / len(same_gold) if same_gold else 1.0
    return precision, recall


# --- A live room's themes, made off the asker's path ---------------------------------------------

# The questions that are grouped: incoming, published or answered (not rejected, not merged).
GROUPED = ("pending", "approved", "answered")
THEMES_KEY = "moderation:themes:{event_id}"
# Each process remembers each question's features while its words and the library are the same.
_features: dict[tuple[int, str], Features] = {}
_features_of: list[Index] = []
FEATURES_REMEMBERED = 20_000


# Each live room's grouping in this process, gone on from as questions are asked.
_rooms: dict[int, Grouping] = {}


def _index_changed(index: Index) -> bool:
    """Whether the library's index is another than the features were made with (then every
    remembered feature and grouping is dropped)."""
    if _features_of and _features_of[0] is index and len(_features) <= FEATURES_REMEMBERED:
        return False
    _features.clear()
    _rooms.clear()
    _features_of[:] = [index]
    return True


def _remembered(index: Index, question: Asked) -> Features:
    _index_changed(index)
    key = (question.id, question.text)
    if key not in _features:
        _features[key] = features(index, question.text)
    return _features[key]


def room_themes(event_id: int) -> dict[str, Any]:
    """The `mod.themes` frame of a dialogue: its questions grouped, the largest themes first."""
    from dialogue.models import Question
    from live.wire import build
    from moderation import frames

    rows = (
        Question.objects.present()
        .filter(event_id=event_id, status__in=GROUPED)
        .order_by("created_at", "pk")
        .values_list("pk", "text", "status")
    )
    asked = [Asked(pk, text, status != "answered") for pk, text, status in rows]
    index = library_index()
    grouping = _rooms.get(event_id)
    kept = {(question.id, question.text) for question in grouping.asked} if grouping else set()
    # Questions asked since: the grouping goes on; anything else changed: it is made anew.
    if grouping is None or grouping.asked != asked[: len(grouping.asked)] or _index_changed(index):
        grouping = Grouping()
    extend(grouping, asked[len(grouping.asked) :], lambda q: _remembered(index, q))
    _rooms[event_id] = grouping
    # A question erased or edited since leaves nothing of its words in this process.
    for key in kept - {(question.id, question.text) for question in asked}:
        _features.pop(key, None)
    shown = sorted(
        (t for t in grouping.themes if len(t.questions) > 1), key=lambda t: -len(t.questions)
    )
    label(grouping, shown)
    entries = {"/".join(entry.key): entry for entry in index.entries}
    return build(
        frames.ModThemes,
        themes=[
            {
                "id": theme.questions[0],
                "questions": theme.questions,
                "words": theme.words,
                "articles": [_article(entries[key]) for key in theme.articles if key in entries],
                "merges": [
                    {"target": target, "source": source, "score": score}
                    for target, source, score in theme.merges
                ],
            }
            for theme in shown
        ],
        made_from=max((question.id for question in asked), default=None),
        made_at=timezone.now().isoformat(),
    )


def _article(entry: Entry) -> dict[str, str]:
    label = _("Article %(number)s") % {"number": entry.number}
    return {"label": f"{label}, {entry.document_title}", "url": entry.url}


def refresh(event_id: int) -> dict[str, Any]:
    """Group a dialogue's questions again, keep the frame for consoles that open later, and send
    it to the moderators."""
    frame = room_themes(event_id)
    cache.set(THEMES_KEY.format(event_id=event_id), frame, timeout=24 * 3600)
    broadcast_on_commit(moderators_group(event_id), frame)
    return frame


def forget(event_id: int) -> None:
    """Drop the room's kept themes (their words may be an erased question's); consoles get the
    next ones when they are made again."""
    cache.delete(THEMES_KEY.format(event_id=event_id))
    room = _rooms.pop(event_id, None)
    for question in room.asked if room is not None else ():
        _features.pop((question.id, question.text), None)


def last_themes(event_id: int) -> dict[str, Any] | None:
    """The themes last made for a dialogue, if any."""
    frame: dict[str, Any] | None = cache.get(THEMES_KEY.format(event_id=event_id))
    return frame
