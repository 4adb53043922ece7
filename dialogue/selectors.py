"""Reads for the citizen pages and the socket."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from dialogue import facts, frames, messages, wordcloud
from dialogue.matching import fold, likely_duplicates
from dialogue.models import (
    AnswerRating,
    Citation,
    Participant,
    Poll,
    PollAnswer,
    PollOption,
    PollRank,
    PublicDelta,
    Question,
    Vote,
)
from events import selectors as event_selectors
from events.models import Agency, Event, User
from law.matching import Match, rank_articles
from law.models import Article as LegalArticle
from live.wire import dumps, part

SESSION_KEY = "dialogue.participants"

SORTS = {
    "popular": ("-vote_count", "-created_at"),
    "recent": ("-created_at",),
    # The "Đã trả lời" tab: answered questions only, the latest answered first.
    "answered": ("-answered_at", "-created_at"),
}


def public_events() -> QuerySet[Event]:
    return Event.objects.exclude(status=Event.Status.DRAFT).select_related("agency")


# --- What is public: the one rule every surface asks (pages, search, archive, API, feed) ----------

# A dialogue's archive, and with it every published answer, is public once the dialogue ends;
# until then an answer is seen live, on the stage and the stream, not read from a page. A
# standing Q&A's answers are written, and public as each is published.
ARCHIVE_STATUSES = (Event.Status.ENDED, Event.Status.ARCHIVED)
# A question whose answer anyone may read: `public_questions()` narrowed by this.
PUBLIC_ANSWER = (
    facts.ANSWERED
    & Q(answer__published_at__isnull=False)
    & (Q(event__status__in=ARCHIVE_STATUSES) | Q(event__kind=Event.Kind.STANDING))
)


def archive_is_public(event: Event) -> bool:
    """Whether the dialogue's archive (its answered questions with their answers) is public."""
    return event.status in ARCHIVE_STATUSES or event.is_standing


def public_questions() -> QuerySet[Question]:
    """Every question anyone may see: published, in a dialogue that is not a draft."""
    return (
        Question.objects.present().filter(facts.PUBLISHED).exclude(event__status=Event.Status.DRAFT)
    )


def public_answers() -> QuerySet[Question]:
    """The questions whose answer anyone may read (`PUBLIC_ANSWER`)."""
    return public_questions().filter(PUBLIC_ANSWER)


def answer_is_public(question: Question) -> bool:
    """`PUBLIC_ANSWER` for a question already loaded, with its event and answer."""
    answer = getattr(question, "answer", None)
    return (
        question.status == Question.Status.ANSWERED
        and question.erased_at is None
        and answer is not None
        and answer.published_at is not None
        and archive_is_public(question.event)
    )


def catalogue(
    *,
    agency: Agency | None = None,
    legal_field: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> dict[str, list[Event]]:
    """Dialogues grouped as the catalogue shows them: live now, upcoming, past; maybe filtered."""
    events = public_events()
    if agency is not None:
        events = events.filter(agency_id__in=event_selectors.agency_family(agency=agency))
    if legal_field:
        events = events.filter(legal_field=legal_field)
    if date_from is not None:
        events = events.filter(ends_at__date__gte=date_from)
    if date_to is not None:
        events = events.filter(starts_at__date__lte=date_to)
    return event_selectors.by_moment(events)


def visible_questions(*, event: Event, sort: str = "popular") -> QuerySet[Question]:
    """The questions anyone may see in an event, in the chosen order (answered: those only)."""
    questions = public_questions().filter(event=event)
    if sort == "answered":
        questions = questions.filter(facts.ANSWERED)
    return questions.select_related("author__user").order_by(*SORTS.get(sort, SORTS["popular"]))


def own_questions(*, participant: Participant | None) -> QuerySet[Question]:
    if participant is None:
        return Question.objects.none()
    return Question.objects.filter(author=participant).select_related("author__user")


# The asker's private link ("theo dõi câu hỏi của bạn"): a signed participant id and link
# version. Whoever holds it sees that participant's questions with their outcome and may erase
# the participant's data. Renewing it from its page counts the version up, which ends every
# link made before; every link ends with the retention period of the dialogue's personal data.
FOLLOW_SALT = "dialogue.follow"
_FOLLOWED = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,9}))?")


def follow_token(participant: Participant) -> str:
    value = f"{participant.pk}.{participant.link_version}"
    return signing.Signer(salt=FOLLOW_SALT).sign(value)


def follow_link_expires_at(event: Event) -> datetime:
    """When every private link of the dialogue stops working: with its personal data."""
    return event.ends_at + timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def followed_participant_id(event_id: int, token: str) -> int | None:
    """The id of the participant of the dialogue whose current private link carries `token`."""
    event = Event.objects.filter(pk=event_id).first()
    found = participant_by_follow_token(event=event, token=token) if event else None
    return found.pk if found else None


def participant_by_follow_token(
    *, event: Event, token: str, now: datetime | None = None
) -> Participant | None:
    """The participant of `event` whose current private link carries `token`, or None."""
    try:
        value = signing.Signer(salt=FOLLOW_SALT).unsign(token)
    except signing.BadSignature:
        return None
    found = _FOLLOWED.fullmatch(value)
    if found is None or (now or timezone.now()) >= follow_link_expires_at(event):
        return None
    # A link made before links could be renewed names no version: the first.
    participant_id, version = int(found[1]), int(found[2] or 1)
    return (
        Participant.objects.present()
        .filter(pk=participant_id, event=event, link_version=version)
        .select_related("user")
        .first()
    )


def followed_questions(*, participant: Participant) -> list[Question]:
    """The asker's questions, newest first, each marked `owed` when a written answer is due."""
    questions = list(
        Question.objects.present()
        .filter(author=participant)
        .select_related("answer__official", "merged_into")
        .order_by("-created_at")
    )
    for question in questions:
        question.owed = facts.is_owed(question)  # type: ignore[attr-defined]
    return questions


def voted_question_ids(*, participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(Vote.objects.filter(participant=participant).values_list("question_id", flat=True))


def vote_counts(*, question_ids: Iterable[int]) -> dict[int, int]:
    """Current vote counts of the given public questions."""
    return dict(
        Question.objects.filter(
            pk__in=list(question_ids), status__in=Question.PUBLIC_STATUSES
        ).values_list("pk", "vote_count")
    )


def current_counts(event_id: int) -> list[dict[str, Any]]:
    """What a screen may have missed while the channel layer was away: the vote count of every
    public question of the event in one `tally`, and the open poll's results (live/hub.py)."""
    counts = dict(
        Question.objects.filter(event_id=event_id, status__in=Question.PUBLIC_STATUSES)
        .present()
        .values_list("pk", "vote_count")
    )
    open_polls = Poll.objects.filter(event_id=event_id, status=Poll.Status.OPEN)
    frames = [messages.tally(counts)] if counts else []
    return frames + list(poll_result_frames(open_polls.values_list("pk", flat=True)).values())


def public_deltas(event_id: int, after: int, before: int | None) -> list[tuple[int, str]]:
    """The logged public deltas of an event with `after < seq < before`, in order."""
    deltas = PublicDelta.objects.filter(event_id=event_id, seq__gt=after)
    if before is not None:
        deltas = deltas.filter(seq__lt=before)
    return list(deltas.order_by("seq").values_list("seq", "frame")[:1000])


def participant_for(
    *, event: Event, user: User | AnonymousUser, session: SessionBase | None
) -> Participant | None:
    """The participant this user or browser already is in the event, if any."""
    if user.is_authenticated:
        return Participant.objects.filter(event=event, user=user).select_related("user").first()
    if session is None:
        return None
    participant_id = session.get(SESSION_KEY, {}).get(str(event.pk))
    if participant_id is None:
        return None
    # An erased participant is no one's any more, even in the browser that still holds its id.
    return (
        Participant.objects.present()
        .filter(pk=participant_id, event=event, user__isnull=True)
        .first()
    )


def snapshot_parts(*, event: Event, participant: Participant | None) -> dict[str, Any]:
    """The fields of a snapshot: the public part and this participant's own."""
    return {**public_snapshot(event=event), **personal_snapshot(participant=participant)}


def public_snapshot(*, event: Event) -> dict[str, Any]:
    """The part of a snapshot that is the same for everyone: `seq`, `event`, `questions`."""
    # Read the sequence first: a delta committed after this read is newer than the snapshot
    # and is applied on top (deltas are idempotent upserts), so nothing is missed.
    seq = Event.objects.values_list("public_seq", flat=True).get(pk=event.pk)
    questions = [messages.public_question(q) for q in visible_questions(event=event, sort="recent")]
    poll = current_poll(event=event)
    shown = messages.public_poll(poll, poll_results(poll_ids=[poll.pk])[poll.pk]) if poll else None
    return part(
        frames.PublicSnapshotPart,
        seq=seq,
        event=messages.event_state(event),
        questions=questions,
        poll=shown,
    )


def personal_snapshot(*, participant: Participant | None) -> dict[str, Any]:
    """The part of a snapshot that is this participant's own: `me`, `mine`, `voted`."""
    if participant is None:
        return part(frames.PersonalSnapshotPart, me=None, mine=[], voted=[], polls_answered=[])
    return part(
        frames.PersonalSnapshotPart,
        me={"name": participant.display_name},
        mine=[messages.own_question(q) for q in own_questions(participant=participant)],
        voted=sorted(voted_question_ids(participant=participant)),
        polls_answered=answered_poll_ids(participant=participant),
    )


def public_snapshot_text(*, event: Event) -> str:
    """The public part serialised once, as JSON members to splice into each socket's snapshot."""
    return dumps(public_snapshot(event=event))[1:-1]


def snapshot_text(public: str, participant: Participant | None) -> str:
    """A whole `snapshot` frame: the shared public part and this participant's own part."""
    personal = dumps(personal_snapshot(participant=participant))[1:-1]
    return f'{{"type":"snapshot",{public},{personal}}}'


def rejection_counts(*, event: Event) -> list[tuple[str, int]]:
    """How many questions were not selected, by reason, for the public page after the event."""
    rows = (
        Question.objects.filter(event=event, status=Question.Status.REJECTED)
        .values("rejection_reason")
        .annotate(count=Count("pk"))
        .order_by("-count")
    )
    labels = dict(Question.RejectionReason.choices)
    return [
        (str(labels.get(row["rejection_reason"], labels["other"])), row["count"]) for row in rows
    ]


def answered_questions(*, event: Event) -> list[Question]:
    """The archive: every answered question with its published answer, in the order answered."""
    return list(
        public_answers()
        .filter(event=event)
        .select_related("author__user", "answer__official")
        .prefetch_related(_CITATIONS)
        .order_by("answered_at", "pk")
    )


# An answer's citations with what their lines show: the article, its document, the clause.
_CITATIONS = Prefetch(
    "answer__citations",
    queryset=Citation.objects.select_related("article__document", "clause"),
)
CITING_ANSWERS_SHOWN = 50


def answers_citing(article: LegalArticle) -> list[Question]:
    """Published answers that cite the article (any of its clauses), the latest first."""
    return list(
        public_answers()
        .filter(answer__citations__article=article)
        .distinct()
        .select_related("event", "answer")
        .prefetch_related(_CITATIONS)
        .order_by("-answered_at", "-pk")[:CITING_ANSWERS_SHOWN]
    )


def recording_link(url: str, offset: int | None) -> str:
    """A link into the recording at `offset` seconds (YouTube's t=, or a media fragment)."""
    if not url or offset is None:
        return url
    host = urlsplit(url).netloc
    if "youtube.com" in host or "youtu.be" in host:
        return f"{url}{'&' if '?' in url else '?'}t={offset}"
    return f"{url}#t={offset}"


# --- Search over the questions and published answers -------------------------------------------

SEARCH_LIMIT = 50
# Without PostgreSQL, the newest this many public questions are folded and matched in Python.
FALLBACK_SCAN = 3000


class _FoldSQL(Func):
    """PostgreSQL's side of `fold`: unaccent, then "đ" → "d" (not every unaccent maps it)."""

    template = "lower(translate(unaccent(%(expressions)s), 'đĐ', 'dD'))"


def search_questions(
    *, query: str, agency: Agency | None = None, legal_field: str = ""
) -> list[Question]:
    """Public questions whose text, or published answer, matches all the words typed."""
    words = fold(query).split()
    if not words:
        return []
    questions = public_questions().select_related("event__agency", "answer", "author__user")
    if agency is not None:
        questions = questions.filter(
            event__agency_id__in=event_selectors.agency_family(agency=agency)
        )
    if legal_field:
        questions = questions.filter(in_legal_field(legal_field))
    # An answer is searched, and shown with its question, only where it is public.
    answer_body = Case(
        When(PUBLIC_ANSWER, then=F("answer__body")), default=Value(""), output_field=TextField()
    )
    questions = questions.annotate(
        answer_public=Case(When(PUBLIC_ANSWER, then=True), default=False)
    )
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        document = SearchVector(
            _FoldSQL(F("text"), output_field=TextField()), config="simple"
        ) + SearchVector(_FoldSQL(answer_body, output_field=TextField()), config="simple")
        search = SearchQuery(" ".join(words), config="simple", search_type="plain")
        return list(
            questions.annotate(document=document, rank=SearchRank(document, search))
            .filter(document=search)
            .order_by("-rank", "-created_at")[:SEARCH_LIMIT]
        )
    found: list[Question] = []
    rows = questions.annotate(answer_text=answer_body).order_by("-created_at")[:FALLBACK_SCAN]
    for question in rows:
        haystack = fold(f"{question.text} {question.answer_text or ''}")
        if all(word in haystack for word in words):
            found.append(question)
            if len(found) == SEARCH_LIMIT:
                break
    return found


def in_legal_field(legal_field: str) -> Q:
    """Questions of a legal field (`Event.LegalField`): in a standing Q&A, the field its asker
    chose, stored as its topic in the site's language (dialogue/services.py); in a dialogue, the
    dialogue's field."""
    return Q(event__kind=Event.Kind.STANDING, topic=legal_field_topic(legal_field)) | (
        Q(event__legal_field=legal_field) & ~Q(event__kind=Event.Kind.STANDING)
    )


def legal_field_topic(legal_field: str) -> str:
    """The topic a standing Q&A's question of this legal field has (in the site's language)."""
    labels = dict(Event.LegalField.choices)
    with translation.override(settings.LANGUAGE_CODE):
        return str(labels.get(legal_field, ""))


def legal_field_of_topic(topic: str) -> str:
    """The legal field (`Event.LegalField`) a standing Q&A's topic names; empty for none."""
    with translation.override(settings.LANGUAGE_CODE):
        by_label = {str(label): value for value, label in Event.LegalField.choices}
    return by_label.get(topic, "")


# --- The legal Q&A service: every agency's standing Q&A and the answers it published ---------

FAQ_SHOWN = 50


def standing_services() -> list[Event]:
    """Every agency's standing legal Q&A that citizens may use, by agency name."""
    return list(
        Event.objects.filter(kind=Event.Kind.STANDING)
        .exclude(status=Event.Status.DRAFT)
        .select_related("agency")
        .order_by("agency__name")
    )


def answers_by_legal_field() -> list[tuple[str, str, int]]:
    """Each legal field with how many published answers it has: (value, label, count)."""
    counts = public_answers().aggregate(
        **{
            value: Count("pk", filter=in_legal_field(value))
            for value, _label in Event.LegalField.choices
        }
    )
    return [(value, str(label), counts[value]) for value, label in Event.LegalField.choices]


def frequently_asked(
    *, legal_field: str = "", agency: Agency | None = None, limit: int = FAQ_SHOWN
) -> list[Question]:
    """Published answers, of a legal field and of an agency (and those below it) if given,
    the most voted first: the questions many people ask, with their answers."""
    questions = public_answers().select_related("event__agency", "answer")
    if legal_field:
        questions = questions.filter(in_legal_field(legal_field))
    if agency is not None:
        questions = questions.filter(
            event__agency_id__in=event_selectors.agency_family(agency=agency)
        )
    return list(questions.order_by("-vote_count", "-answered_at", "-pk")[:limit])


def published_answers(
    *, agency: Agency | None = None, event: Event | None = None, limit: int = 50, offset: int = 0
) -> list[Question]:
    """Answered questions whose answer is published in a public archive, newest answer first."""
    questions = public_answers().select_related("event__agency", "answer__official", "author__user")
    if agency is not None:
        questions = questions.filter(
            event__agency_id__in=event_selectors.agency_family(agency=agency)
        )
    if event is not None:
        questions = questions.filter(event=event)
    return list(questions.order_by("-answer__published_at", "-pk")[offset : offset + limit])


@dataclass(frozen=True)
class RatingSummary:
    """What anyone may see of an answer's ratings: how many, and their mean; never who."""

    count: int
    average: float


# The ratings that count (`permissions.may_rate`, in SQL): from people who joined while the
# dialogue was open; in a standing Q&A, only the asker's and accounts'. Every figure of ratings
# (the archive, the API, the reports) reads them through `counted_ratings()`.
COUNTED_RATING = Q(participant__joined_while_open=True) & (
    ~Q(answer__question__event__kind=Event.Kind.STANDING)
    | Q(participant__user__isnull=False)
    | Q(participant_id=F("answer__question__author_id"))
)


def counted_ratings() -> QuerySet[AnswerRating]:
    return AnswerRating.objects.filter(COUNTED_RATING)


def rating_summaries(*, answer_ids: Iterable[int]) -> dict[int, RatingSummary]:
    rows = (
        counted_ratings()
        .filter(answer_id__in=list(answer_ids))
        .values("answer_id")
        .annotate(count=Count("pk"), average=Avg("score"))
    )
    return {r["answer_id"]: RatingSummary(r["count"], float(r["average"])) for r in rows}


def own_ratings(*, participant: Participant | None) -> dict[int, AnswerRating]:
    """The participant's own ratings, by answer, to show them their choice again."""
    if participant is None:
        return {}
    return {r.answer_id: r for r in AnswerRating.objects.filter(participant=participant)}


# --- Similar questions, suggested while a question is typed ---------------------------------

# Fewer characters than this match too much to be worth suggesting.
SIMILAR_MIN_LENGTH = 12
SIMILAR_LIMIT = 3


def similar_key(event_id: int) -> str:
    return f"dialogue:similar:{event_id}"


def forget_similar(event_id: int) -> None:
    """Drop the cached texts of an event's questions (an erasure removed some words)."""
    cache.delete(similar_key(event_id))


def similar_questions(*, event: Event, text: str) -> list[Question]:
    """The event's public questions most like `text`, as the moderators' duplicate check finds.

    The folded texts of the event's public questions are cached in one key per event, tagged
    with the public sequence number they were read at (any question published or withdrawn
    moves it), so typing costs one cache read, a match in memory and one query for the few
    found. One key, overwritten, so that an erasure can delete the only copy (`forget_similar`).
    """
    if len(text.strip()) < SIMILAR_MIN_LENGTH:
        return []
    seq = Event.objects.values_list("public_seq", flat=True).get(pk=event.pk)
    key = similar_key(event.pk)
    cached: tuple[int, dict[int, str]] | None = cache.get(key)
    if cached is not None and cached[0] == seq:
        folded = cached[1]
    else:
        texts = public_questions().filter(event=event).values_list("pk", "text")
        folded = {pk: fold(question) for pk, question in texts}
        cache.set(key, (seq, folded), timeout=600)
    found = [pk for pk, _score in likely_duplicates(text, folded, limit=SIMILAR_LIMIT, folded=True)]
    questions = public_questions().filter(pk__in=found).in_bulk()
    return [questions[pk] for pk in found if pk in questions]


# Articles of the legal library suggested beside them: at most this many, and only those that
# share a compound with the question and score enough (BM25, law/matching.py) to be worth a look.
SUGGESTED_ARTICLES = 3
SUGGESTED_ARTICLE_MIN_SCORE = 8.0


def suggested_articles(*, event: Event, text: str) -> list[Match]:
    """Articles of the law that may already answer the question being typed, best first.

    The dialogue's legal field leans the ranking towards its documents.
    """
    if len(text.strip()) < SIMILAR_MIN_LENGTH:
        return []
    found = rank_articles(text, limit=SUGGESTED_ARTICLES, legal_field=event.legal_field)
    return [m for m in found if m.paired and m.score >= SUGGESTED_ARTICLE_MIN_SCORE]


# --- Polls -------------------------------------------------------------------------------------

# The word cloud shows this many of a short-text poll's most frequent answers.
POLL_WORDS = 30


def current_poll(*, event: Event) -> Poll | None:
    """The poll the audience sees: the open one, else the one closed last."""
    polls = Poll.objects.filter(event=event).prefetch_related("options")
    return (
        polls.filter(status=Poll.Status.OPEN).first()
        or polls.filter(status=Poll.Status.CLOSED).order_by("-closed_at", "-pk").first()
    )


def answered_poll_ids(*, participant: Participant | None) -> list[int]:
    if participant is None:
        return []
    answered = PollAnswer.objects.filter(participant=participant)
    return sorted(answered.values_list("poll_id", flat=True))


def poll_results(*, poll_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Each poll's results: answers in all, answers per option, the most frequent short texts."""
    ids = list(poll_ids)
    results: dict[int, dict[str, Any]] = {pk: {"total": 0, "counts": {}, "words": []} for pk in ids}
    totals = PollAnswer.objects.filter(poll_id__in=ids).values("poll_id").annotate(n=Count("pk"))
    for row in totals:
        results[row["poll_id"]]["total"] = row["n"]
    options = (
        PollOption.objects.filter(poll_id__in=ids)
        .annotate(n=Count("answers"))
        .values_list("poll_id", "pk", "n")
    )
    for poll_id, option_id, count in options:
        results[poll_id]["counts"][str(option_id)] = count
    kinds = dict(Poll.objects.filter(pk__in=ids).values_list("pk", "kind"))
    # A ranking poll counts points, not answers: each option's Borda score.
    ranking = [pk for pk, kind in kinds.items() if kind == Poll.Kind.RANKING]
    scores = (
        PollRank.objects.filter(option__poll_id__in=ranking)
        .values_list("option__poll_id", "option_id")
        .annotate(points=Sum("points"))
    )
    for poll_id, option_id, points in scores if ranking else ():
        results[poll_id]["counts"][str(option_id)] = points
    text_polls = [pk for pk, kind in kinds.items() if kind == Poll.Kind.TEXT]
    for poll_id in text_polls:
        words = (
            PollAnswer.objects.filter(poll_id=poll_id)
            .exclude(phrase="")
            .values("phrase")
            .annotate(n=Count("pk"))
            .order_by("-n", "phrase")[:POLL_WORDS]
        )
        results[poll_id]["words"] = [{"text": w["phrase"], "count": w["n"]} for w in words]
    return {pk: part(frames.PollResultsPart, **value) for pk, value in results.items()}


def poll_result_frames(poll_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The `poll.results` frame of each poll, for the hub's coalesced flush (live/tallies.py)."""
    return {pk: messages.poll_results(pk, r) for pk, r in poll_results(poll_ids=poll_ids).items()}


@dataclass(frozen=True)
class PollSummary:
    """A poll with its results, as the archive and the report show it."""

    poll: Poll
    total: int
    # (label, count, percent of those who answered) for each option, in order.
    options: list[tuple[str, int, int]]
    words: list[dict[str, Any]]

    @property
    def right_label(self) -> str:
        """A quiz's right answer, for its moderators (the public sees it once revealed)."""
        if self.poll.kind != Poll.Kind.QUIZ:
            return ""
        return next((o.label for o in self.poll.options.all() if o.correct), "")

    @property
    def revealed(self) -> str:
        """A revealed quiz's right answer, as anyone may see it; "" before."""
        return self.right_label if self.poll.revealed_at is not None else ""

    @property
    def leaderboard(self) -> list[str]:
        return messages.quiz_leaderboard(self.poll) if self.revealed else []

    @property
    def ranked(self) -> bool:
        return bool(self.poll.kind == Poll.Kind.RANKING)

    @property
    def cloud_svg(self) -> str:
        """A short-text poll's answers as a word cloud, SVG for a light page (every word
        escaped by dialogue/wordcloud.py); "" for a poll of options or with no answer."""
        if self.poll.kind != Poll.Kind.TEXT or not self.words:
            return ""
        words = [(word["text"], word["count"]) for word in self.words]
        drawing = wordcloud.drawn(words, label=self.poll.question, theme="light")
        return mark_safe(drawing)  # noqa: S308 - every word escaped by wordcloud.svg


def closed_polls(*, event: Event) -> list[PollSummary]:
    """The dialogue's closed polls with their results, in the order they were asked."""
    polls = Poll.objects.filter(event=event, status=Poll.Status.CLOSED).order_by("opened_at", "pk")
    return summarise_polls(polls)


def summarise_polls(polls: Iterable[Poll]) -> list[PollSummary]:
    """Polls with their results as a page shows them: per option, a count and a percentage."""
    found = list(polls)
    results = poll_results(poll_ids=[poll.pk for poll in found])
    options: dict[int, list[PollOption]] = {}
    for option in PollOption.objects.filter(poll__in=found):
        options.setdefault(option.poll_id, []).append(option)
    summaries = []
    for poll in found:
        counts, total = results[poll.pk]["counts"], results[poll.pk]["total"]
        offered = options.get(poll.pk, [])
        # A choice's share of those who answered; a ranking's points, as a share of the most it
        # could have had (first place in every answer), highest first.
        most = total * (len(offered) - 1) if poll.kind == Poll.Kind.RANKING else total
        rows = []
        for option in offered:
            count = counts.get(str(option.pk), 0)
            rows.append((option.label, count, round(100 * count / most) if most else 0))
        if poll.kind == Poll.Kind.RANKING:
            rows.sort(key=lambda row: -row[1])
        summaries.append(PollSummary(poll, total, rows, results[poll.pk]["words"]))
    return summaries
