"""Which articles of the legal library answer a question: `rank_articles`.

The interface is the function and its `Match`; how it ranks may be replaced by a better ranker
without touching a caller. This one is classical retrieval, with no model to download:

- BM25 over folded syllables and pairs of neighbouring syllables (law/text.py), so that
  "quyen su dung dat" finds "quyền sử dụng đất" and a compound outranks its loose syllables;
- the article's heading counts more than its body, and a document's title a little;
- the narrative around a question goes first ("Chào luật sư, tôi là ..., xin cảm ơn");
- the legal thesaurus (law.models.SynonymSet) adds what a person means in the law's words:
  "ly hôn" is also searched as "chấm dứt hôn nhân", "sổ đỏ" as "giấy chứng nhận quyền sử dụng
  đất";
- a question that names a document ("theo Luật Cư trú") is routed to that document's
  articles, and one asked in a dialogue of a legal field leans towards that field's documents;
- it learns from the citations officials accept: the published questions whose answers cite an
  article are indexed as a field of that article of their own ("asked"), so a question worded
  as an earlier one finds what answered it (`set_learned_source`).

Each process keeps one index in memory, built on first use and again after the library
changes (`library_changed`, sent by the services and the models' signals; the version is kept
in the shared cache so that every worker notices).
"""

from __future__ import annotations

import heapq
import itertools
import json
import math
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path

from law.text import bigrams, fold, syllables

THESAURUS_FILE = Path(__file__).resolve().parent / "data" / "thesaurus.json"

# BM25's constants, and how much a heading and a document title weigh against the body.
K1 = 1.2
B = 0.75
HEADING_WEIGHT = 3.0
TITLE_WEIGHT = 0.5
# A syllable pair counts as a syllable (a compound matches twice: its syllables and their pair);
# a term the thesaurus added counts less.
BIGRAM_WEIGHT = 1.0
EXPANSION_WEIGHT = 0.6
# Articles of a document the question names, and of the dialogue's legal field, score this much
# more.
NAMED_DOCUMENT_BOOST = 1.3
FIELD_BOOST = 1.2
# A field is suggested when the articles found for a question lean to it this much (their share
# of the top articles' scores), and the best of them shares a compound with the question.
FIELD_SHARE = 0.5
FIELDS_REMEMBERED = 10_000
# Learning from accepted citations: a question close to one answered earlier (the cosine of
# their terms weighted by rarity, at least LEARNED_MIN) lifts the articles that answer cited, by
# that cosine times this share of the best score the question has from the articles' own words:
# one closer than 2/3 lifts it to the top.
LEARNED_MIN = 0.6
LEARNED_LIFT = 1.5
# A search reads at most this many postings of a term, those where it weighs most: a term so
# common that it has more adds little to any article's rank, and reading all of its postings
# would cost most of a search's time over a large library.
POSTINGS_READ = 400

# Syllables that carry no meaning of their own in a question; a pair holding one still counts.
# Only those whose folded form is no other word: "tại" folds as "tài" (tài sản), "mà" as "ma"
# (ma túy), "bao" as "bảo", "bà" as "ba", and "anh", "chị", "em", "ông", "bà" are heirs.
STOPWORDS = frozenset(
    fold(word)
    for word in [
        "và",
        "hoặc",
        "của",
        "là",
        "thì",
        "có",
        "không",
        "được",
        "bị",
        "cho",
        "với",
        "các",
        "những",
        "một",
        "này",
        "đó",
        "khi",
        "nếu",
        "theo",
        "trong",
        "từ",
        "đến",
        "như",
        "nào",
        "gì",
        "sao",
        "đâu",
        "hay",
        "hả",
        "ạ",
        "nhé",
        "rồi",
        "đã",
        "đang",
        "sẽ",
        "cũng",
        "vẫn",
        "còn",
        "nữa",
        "ở",
        "bởi",
        "vì",
        "nhưng",
        "tôi",
        "mình",
        "chúng",
    ]
)

# What frames a question without being its subject: greetings, introductions, thanks, the
# stock phrases of a quiz. Matched on folded text; each is cut out, not the sentence around it.
NARRATIVE = [
    re.compile(pattern)
    for pattern in (
        r"\b(xin )?chao (luat su|ban|anh|chi|quy co quan|quy vi|ad|admin|cac anh chi)\b[^.,!?]*",
        r"\b(toi|em|chau|minh) (la|ten la|ten|nam nay|sinh nam)\b[^.,!?]*",
        r"\b(cho|xin|nho|mong|kinh mong)( \w+)? (hoi|tu van|giai dap|huong dan|giup)( \w+)?\b",
        r"\b(xin|em|toi|chau)? ?(chan thanh )?cam on( \w+){0,3}\b",
        r"\b(rat )?mong (nhan duoc|som nhan duoc)[^.,!?]*",
        r"\bdung hay sai\b",
        r"\bchon (cau tra loi|dap an|phuong an) (dung|chinh xac)( nhat)?\b",
        r"\b(nao|gi) (sau day|duoi day)\b",
        r"\btheo quy dinh (cua )?(phap luat|hien hanh)\b",
        r"\bvay (thi )?(co|phai) (duoc|khong)\b",
        r"\btruong hop (cua )?(toi|em|chau|minh)\b",
    )
]

# Words that open a document's title and say nothing about which one it is.
TITLE_KINDS = re.compile(r"^(bo luat|luat|nghi dinh|thong tu|nghi quyet|phap lenh|hien phap)\s+")


@dataclass(frozen=True)
class Entry:
    """One article as the index sees it; `key` identifies it to the caller."""

    key: tuple[str, str]  # (document, article number)
    document_title: str
    number: str
    heading: str
    text: str
    legal_field: str = ""
    article_id: int | None = None
    url: str = ""
    # The published questions whose answers cite it, one a line (learned; empty when none).
    asked: str = ""


@dataclass(frozen=True)
class Match:
    """An article found for a question, best first."""

    key: tuple[str, str]
    document_title: str
    number: str
    heading: str
    score: float
    article_id: int | None = None
    url: str = ""
    # Whether it shares a pair of neighbouring syllables with the question (or with what the
    # thesaurus added): a compound in common, not only loose syllables such as "gia" (giá, gia).
    paired: bool = False


def strip_narrative(folded: str) -> str:
    """The question without its greetings, introductions, thanks and quiz phrases."""
    for pattern in NARRATIVE:
        folded = pattern.sub(" ", folded)
    return folded


def _terms(words: Sequence[str], *, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Content syllables and every pair of neighbours that is not two stop words."""
    unigrams = [w for w in words if w not in stopwords]
    pairs = [
        pair
        for pair, (a, b) in zip(bigrams(list(words)), itertools.pairwise(words), strict=True)
        if not (a in stopwords and b in stopwords)
    ]
    return unigrams + pairs


def question_terms(question: str) -> list[str]:
    """The terms of a question as the ranker searches them: its folded content syllables and
    pairs, the narrative around it set aside (with repeats)."""
    return _terms(syllables(strip_narrative(fold(question))))


def _weigh(term: str) -> float:
    return BIGRAM_WEIGHT if "_" in term else 1.0


@dataclass
class _Thesaurus:
    """Each expression (folded syllables) and the others of its set."""

    groups: list[list[tuple[str, ...]]] = field(default_factory=list)

    @classmethod
    def of(cls, sets: Iterable[Sequence[str]]) -> _Thesaurus:
        groups = []
        for terms in sets:
            folded = [tuple(syllables(term)) for term in terms]
            groups.append([t for t in folded if t])
        return cls([g for g in groups if len(g) > 1])

    def expand(self, words: Sequence[str]) -> list[list[str]]:
        """The other expressions of every set one of whose expressions the question holds."""
        text = " " + " ".join(words) + " "
        extra: list[list[str]] = []
        for group in self.groups:
            held = [t for t in group if f" {' '.join(t)} " in text]
            if held:
                extra.extend(list(t) for t in group if t not in held)
        return extra


class Index:
    """BM25 over a fixed set of articles; built once, searched many times."""

    def __init__(
        self,
        entries: Sequence[Entry],
        *,
        thesaurus: Iterable[Sequence[str]] = (),
        plain: bool = False,
    ) -> None:
        """`plain`: BM25 over folded syllables and pairs alone, as a baseline to compare with."""
        self.entries = list(entries)
        self.plain = plain
        self.thesaurus = _Thesaurus() if plain else _Thesaurus.of(thesaurus)
        heading_weight = 1.0 if plain else HEADING_WEIGHT
        title_weight = 0.0 if plain else TITLE_WEIGHT
        counts = [
            _counts(
                [
                    (1.0, entry.text),
                    (heading_weight, entry.heading),
                    (title_weight, entry.document_title),
                ]
            )
            for entry in self.entries
        ]
        self.postings = _postings(counts)
        self.learned = _Learned() if plain else _Learned.of(self)
        # Each document's legal field, and the field found for each question asked (a console
        # shows it for every question on every change).
        self.fields = {entry.key[0]: entry.legal_field for entry in self.entries}
        self._fields_found: dict[str, str | None] = {}
        # Each document's title, folded without its kind, to route a question that names it.
        self.titles: dict[str, str] = {}
        for entry in self.entries:
            name = TITLE_KINDS.sub("", " ".join(syllables(entry.document_title)))
            if len(name.split()) >= 2:
                self.titles[entry.key[0]] = name

    def query_terms(self, question: str) -> dict[str, float]:
        """Each term searched, and its weight."""
        folded = fold(question)
        if not self.plain:
            folded = strip_narrative(folded)
        words = syllables(folded)
        stop = frozenset() if self.plain else STOPWORDS
        weights: dict[str, float] = defaultdict(float)
        for term in _terms(words, stopwords=stop):
            weights[term] += _weigh(term)
        for expression in self.thesaurus.expand(words):
            for term in _terms(expression, stopwords=stop):
                weights[term] = max(weights[term], EXPANSION_WEIGHT * _weigh(term))
        return weights

    def named_documents(self, question: str) -> set[str]:
        """The documents a question names by their title ("theo Luật Hôn nhân và gia đình")."""
        text = " " + " ".join(syllables(question)) + " "
        return {key for key, name in self.titles.items() if f" {name} " in text}

    def search(
        self, question: str, *, limit: int = 10, legal_field: str | None = None
    ) -> list[Match]:
        scores: dict[int, float] = {}
        get = scores.get
        # The baseline reads every posting, as plain BM25 does.
        reads = None if self.plain else POSTINGS_READ
        # The articles that hold a pair of the question's syllables, neither of them a stop word.
        paired: set[int] = set()
        for term, weight in self.query_terms(question).items():
            postings = self.postings.get(term, ())[:reads]
            for doc, score in postings:
                scores[doc] = get(doc, 0.0) + weight * score
            if "_" in term and STOPWORDS.isdisjoint(term.split("_")):
                paired.update(doc for doc, _score in postings)
        if self.learned.vectors and scores:
            best_score = max(scores.values())
            for doc, closeness in self.learned.close(self, question).items():
                scores[doc] = get(doc, 0.0) + LEARNED_LIFT * closeness * best_score
                paired.add(doc)
        if not self.plain:
            named = self.named_documents(question)
            if named or legal_field:
                for doc in scores:
                    entry = self.entries[doc]
                    if entry.key[0] in named:
                        scores[doc] *= NAMED_DOCUMENT_BOOST
                    if legal_field and entry.legal_field == legal_field:
                        scores[doc] *= FIELD_BOOST
        best = heapq.nlargest(limit, scores.items(), key=itemgetter(1))
        return [
            Match(
                key=self.entries[doc].key,
                document_title=self.entries[doc].document_title,
                number=self.entries[doc].number,
                heading=self.entries[doc].heading,
                score=round(score, 4),
                article_id=self.entries[doc].article_id,
                url=self.entries[doc].url,
                paired=doc in paired,
            )
            for doc, score in best
            if score > 0
        ]

    def suggest_field(self, question: str, *, limit: int = 5) -> str | None:
        """The legal field most of the best articles' scores fall in (at least FIELD_SHARE),
        when the best shares a compound with the question; remembered for each question."""
        if question in self._fields_found:
            return self._fields_found[question]
        matches = self.search(question, limit=limit)
        found = None
        if matches and matches[0].paired:
            shares: dict[str, float] = defaultdict(float)
            for match in matches:
                shares[self.fields.get(match.key[0], "")] += match.score
            best, share = max(shares.items(), key=itemgetter(1))
            if best and share >= FIELD_SHARE * sum(shares.values()):
                found = best
        if len(self._fields_found) >= FIELDS_REMEMBERED:
            self._fields_found.clear()
        self._fields_found[question] = found
        return found

    def rarity(self, term: str) -> float:
        """How rare a term is among the articles (an idf)."""
        return math.log(1 + len(self.entries) / (1 + len(self.postings.get(term, ()))))

    def rank_passages(self, question: str, passages: Sequence[str]) -> list[float]:
        """A score for each passage (the clauses of an article) by the question's terms it
        holds, each weighted by its rarity in the library; 0 for a passage that holds none."""
        weights = self.query_terms(question)
        scores = []
        for passage in passages:
            held = set(_terms(syllables(passage), stopwords=frozenset()))
            scores.append(
                sum(weight * self.rarity(term) for term, weight in weights.items() if term in held)
            )
        return scores


@dataclass
class _Learned:
    """The questions answered earlier by citing articles, as vectors of their terms weighted by
    rarity; each knows the article its answer cited."""

    vectors: list[tuple[int, float]] = field(default_factory=list)  # (article, norm)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    @classmethod
    def of(cls, index: Index) -> _Learned:
        learned = cls()
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc, entry in enumerate(index.entries):
            for asked in entry.asked.splitlines():
                vector = _vector(index, asked)
                if not vector:
                    continue
                number = len(learned.vectors)
                learned.vectors.append((doc, math.sqrt(sum(w * w for w in vector.values()))))
                for term, weight in vector.items():
                    postings[term].append((number, weight))
        learned.postings = dict(postings)
        return learned

    def close(self, index: Index, question: str) -> dict[int, float]:
        """The articles cited for questions close to this one, with the closest's cosine."""
        vector = _vector(index, question)
        norm = math.sqrt(sum(w * w for w in vector.values()))
        if not norm:
            return {}
        dots: dict[int, float] = defaultdict(float)
        for term, weight in vector.items():
            for number, other in self.postings.get(term, ()):
                dots[number] += weight * other
        found: dict[int, float] = {}
        for number, dot in dots.items():
            doc, other_norm = self.vectors[number]
            cosine = dot / (norm * other_norm)
            if cosine >= LEARNED_MIN and cosine > found.get(doc, 0.0):
                found[doc] = cosine
        return found


def _vector(index: Index, question: str) -> dict[str, float]:
    return {term: w * index.rarity(term) for term, w in index.query_terms(question).items()}


def _counts(fields: Iterable[tuple[float, str]]) -> dict[str, float]:
    """Each term of the fields' texts and its count, each field's terms counted by its weight."""
    tf: dict[str, float] = defaultdict(float)
    for weight, text in fields:
        if not weight or not text:
            continue
        for term in _terms(syllables(text), stopwords=frozenset()):
            tf[term] += weight
    return tf


def _postings(counts: Sequence[Mapping[str, float]]) -> dict[str, list[tuple[int, float]]]:
    """BM25 postings of one field: each term's documents with the whole weight it has in each,
    heaviest first; documents without the field are left out of its average length."""
    lengths = [sum(tf.values()) for tf in counts]
    present = [length for length in lengths if length]
    average = (sum(present) / len(present)) if present else 1.0
    df: dict[str, int] = defaultdict(int)
    for tf in counts:
        for term in tf:
            df[term] += 1
    n = len(counts)
    # Each posting holds the article's whole BM25 weight for the term: a search only adds.
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for doc, (tf, length) in enumerate(zip(counts, lengths, strict=True)):
        norm = K1 * (1 - B + B * length / average)
        for term, freq in tf.items():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            postings[term].append((doc, idf * freq * (K1 + 1) / (freq + norm)))
    for found in postings.values():
        found.sort(key=lambda posting: -posting[1])
    return postings


@cache
def shipped_thesaurus() -> list[list[str]]:
    """The thesaurus the project ships (law/data/thesaurus.json), as sets of expressions."""
    data = json.loads(THESAURUS_FILE.read_text(encoding="utf-8"))
    return [list(item["terms"]) for item in data]


# --- The library's index, one per process ------------------------------------------------------

VERSION_KEY = "law:library-version"
_lock = threading.Lock()
_current: tuple[str | None, Index] | None = None

LearnedSource = Callable[[], Mapping[int, Sequence[str]]]
# Where the learned questions come from ({article id: the questions whose published answers cite
# it}): set by the app that keeps the answers (moderation), since the library knows no dialogue.
_learned_source: LearnedSource | None = None


def set_learned_source(source: LearnedSource | None) -> None:
    """Index, with each article, the questions `source` says were answered by citing it."""
    global _learned_source
    _learned_source = source


def library_changed() -> None:
    """Every process rebuilds its index before its next search."""
    from django.core.cache import cache as shared

    global _current
    shared.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    with _lock:
        _current = None


def _build_from_database() -> Index:
    from law.models import Article, SynonymSet

    articles = Article.objects.select_related("document").order_by("document_id", "position")
    learned = _learned_source() if _learned_source is not None else {}
    entries = [
        Entry(
            key=(article.document.slug, article.number),
            document_title=article.document.title,
            number=article.number,
            heading=article.heading,
            text=article.text,
            legal_field=article.document.legal_field,
            article_id=article.pk,
            url=article.get_absolute_url(),
            asked="\n".join(learned.get(article.pk, ())),
        )
        for article in articles
    ]
    thesaurus = [entry.term_list for entry in SynonymSet.objects.all()]
    return Index(entries, thesaurus=thesaurus)


def library_index() -> Index:
    """This process's index of the library, rebuilt when another process changed the library.

    The first index is built at once. When another process changed the library, the old index
    keeps answering while a thread builds the new one: over ten thousand articles a build takes
    seconds, which no search should wait for.
    """
    from django.core.cache import cache as shared

    global _current
    version = shared.get(VERSION_KEY)
    with _lock:
        current = _current
    if current is not None:
        if version is not None and current[0] != version:
            _rebuild_in_background(version)
        return current[1]
    index = _build_from_database()
    with _lock:
        _current = (version, index)
    return index


_rebuilding: set[str] = set()


def _rebuild_in_background(version: str) -> None:
    with _lock:
        if version in _rebuilding:
            return
        _rebuilding.add(version)

    def build() -> None:
        from django.db import connection

        global _current
        try:
            index = _build_from_database()
            with _lock:
                if _current is not None:
                    _current = (version, index)
        finally:
            connection.close()
            with _lock:
                _rebuilding.discard(version)

    threading.Thread(target=build, name="law-index", daemon=True).start()


def rank_articles(question: str, *, limit: int = 10, legal_field: str | None = None) -> list[Match]:
    """The library's articles most likely to answer `question`, best first.

    `legal_field`: the dialogue's field (events.models.Event.LegalField); its documents lean
    ahead, the others are still found.
    """
    return library_index().search(question, limit=limit, legal_field=legal_field)


def suggest_field(question: str) -> str | None:
    """The legal field (events.models.Event.LegalField) of the documents whose articles answer
    `question`, or None when they do not agree or nothing answers it."""
    return library_index().suggest_field(question)
