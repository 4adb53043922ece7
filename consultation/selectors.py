"""Reads of a consultation: the draft with its comments, the screening list, the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from consultation.changes import stamp
from consultation.diff import Piece, word_diff
from consultation.models import (
    Article,
    ArticleText,
    Chapter,
    Clause,
    Comment,
    Commenter,
    Draft,
    DraftVersion,
    Reply,
)
from moderation.models import BannedWord
from moderation.screening import banned_words_in


@dataclass
class ArticleView:
    article: Article
    comment_count: int
    comments: list[Comment]  # the threads' first comments; each has `replies`, its thread
    stamp: str = ""  # of its published comments: the draft's socket names it when it changes


@dataclass
class ChapterView:
    chapter: Chapter | None
    articles: list[ArticleView] = field(default_factory=list)


def _published(draft: Draft) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(
            draft=draft, status__in=Comment.PUBLIC_STATUSES, erased_at__isnull=True
        )
        .select_related("participant__user", "user", "clause", "article", "reply__official")
        .order_by("-support_count", "created_at", "pk")
    )


def draft_outline(*, draft: Draft) -> list[ChapterView]:
    """The draft's chapters and articles, each with its published comments and their count."""
    articles = (
        Article.objects.filter(draft=draft, removed=False)
        .select_related("chapter")
        .prefetch_related(
            Prefetch("clauses", queryset=Clause.objects.filter(removed=False)),
            Prefetch("comments", queryset=_published(draft)),
        )
        .annotate(
            published=Count("comments", filter=Q(comments__status__in=Comment.PUBLIC_STATUSES))
        )
    )
    chapters: list[ChapterView] = []
    for article in articles:
        if not chapters or chapters[-1].chapter != article.chapter:
            chapters.append(ChapterView(chapter=article.chapter))
        published = list(article.comments.all())
        count = getattr(article, "published", 0)
        rows = [(c.pk, c.support_count, _reply_changed_at(c)) for c in published]
        chapters[-1].articles.append(
            ArticleView(
                article=article,
                comment_count=count,
                comments=_threads(published),
                stamp=stamp(rows),
            )
        )
    return chapters


def _reply_changed_at(comment: Comment) -> datetime | None:
    reply = getattr(comment, "reply", None)
    return reply.updated_at if reply is not None else None


def _threads(comments: list[Comment]) -> list[Comment]:
    """The first comments, most supported first, each with its replies oldest first."""
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    first = [c for c in comments if c.parent_id is None]
    for comment in first:
        thread = replies.get(comment.pk, [])
        comment.replies = sorted(thread, key=lambda c: (c.created_at, c.pk))  # type: ignore[attr-defined]
    return first


def supported_comment_ids(*, draft: Draft, who: Commenter | None) -> set[int]:
    """The comments of this draft the person has supported."""
    if who is None:
        return set()
    supports = Comment.objects.filter(draft=draft)
    if who.participant is not None:
        supports = supports.filter(supports__participant=who.participant)
    elif who.user is not None:
        supports = supports.filter(supports__participant=None, supports__user=who.user)
    else:
        return set()
    return set(supports.values_list("pk", flat=True))


def own_comments(*, draft: Draft, who: Commenter | None) -> list[Comment]:
    """This person's comments on the draft, published or not, to show their status."""
    if who is None:
        return []
    comments = Comment.objects.filter(draft=draft).select_related("article", "clause")
    if who.participant is not None:
        return list(comments.filter(participant=who.participant))
    return list(comments.filter(participant=None, user=who.user))


@dataclass
class ScreenedComment:
    comment: Comment
    banned_words: list[str]


def comments_to_screen(*, draft: Draft, status: str) -> list[ScreenedComment]:
    """A draft's comments of one status, oldest first, each flagged with its banned words."""
    comments = (
        Comment.objects.filter(draft=draft, status=status)
        .select_related("participant__user", "user", "article", "clause", "reply")
        .order_by("created_at", "pk")
    )
    phrases = list(
        BannedWord.objects.filter(Q(agency=draft.agency_id) | Q(agency=None)).values_list(
            "phrase", flat=True
        )
    )
    return [ScreenedComment(c, banned_words_in(c.text, phrases)) for c in comments]


def status_counts(*, draft: Draft) -> dict[str, int]:
    """How many of the draft's comments are in each status."""
    counts = dict(
        Comment.objects.filter(draft=draft)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Comment.STATUSES}


@dataclass(frozen=True)
class SummaryRow:
    """One line of the "bản tổng hợp, tiếp thu, giải trình" table."""

    number: int
    target: str
    article_title: str
    comment: str
    commenter: str
    supports: int
    disposition: str
    response: str
    quote: str = ""  # a proposal: the words it would change
    wording: str = ""  # and what it would put in their place
    version: int | None = None  # the version an accepted proposal went into


def summary_rows(*, draft: Draft) -> list[SummaryRow]:
    """Every published comment, in the order of the draft, with the agency's response."""
    comments = (
        Comment.objects.filter(
            draft=draft, status__in=Comment.PUBLIC_STATUSES, erased_at__isnull=True
        )
        .select_related("article", "clause", "participant__user", "user", "version")
        .prefetch_related(Prefetch("reply", queryset=Reply.objects.all()))
        .order_by("article__position", "clause__position", "created_at", "pk")
    )
    rows = []
    for number, comment in enumerate(comments, start=1):
        reply = getattr(comment, "reply", None)
        rows.append(
            SummaryRow(
                number=number,
                target=comment.target_label,
                article_title=comment.article.title,
                comment=comment.text,
                commenter=comment.author_name,
                supports=comment.support_count,
                disposition=reply.get_disposition_display() if reply else "",
                response=reply.body if reply else "",
                quote=comment.quote,
                wording=comment.wording,
                version=comment.version.number if comment.version else None,
            )
        )
    return rows


def agency_drafts(*, agency_id: int) -> QuerySet[Draft]:
    """An agency's drafts, newest first, with how many comments wait for screening."""
    return (
        Draft.objects.filter(agency_id=agency_id)
        .select_related("event")
        .annotate(
            pending=Count("comments", filter=Q(comments__status=Comment.Status.PENDING)),
            total=Count("comments"),
        )
    )


def public_drafts(*, agency_id: int | None = None, event_id: int | None = None) -> QuerySet[Draft]:
    """The drafts the public may read, of an agency or of a dialogue."""
    drafts = Draft.objects.exclude(status=Draft.Status.PREPARING).exclude(event__status="draft")
    if agency_id is not None:
        drafts = drafts.filter(agency_id=agency_id)
    if event_id is not None:
        drafts = drafts.filter(event_id=event_id)
    return drafts


@dataclass
class ArticleChange:
    """One article as a version changed it: the words struck out and put in, and why."""

    article: Article
    label: str
    title: str
    pieces: list[Piece]
    proposals: list[Comment]
    title_pieces: list[Piece] = field(default_factory=list)  # only when the heading changed
    added: bool = False
    removed: bool = False


def version_changes(*, version: DraftVersion) -> list[ArticleChange]:
    """Each article this version changed, added or left out, against the version before."""
    previous = (
        DraftVersion.objects.filter(draft_id=version.draft_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return []  # the first version: the text put out for comment
    old = {t.article_id: t for t in ArticleText.objects.filter(version=previous)}
    new = {t.article_id: t for t in version.texts.select_related("article")}
    proposals: dict[int, list[Comment]] = {}
    taken = (
        Comment.objects.filter(version=version, erased_at=None)
        .select_related("reply", "participant__user", "user", "clause", "article")
        .order_by("pk")
    )
    for proposal in taken:
        proposals.setdefault(proposal.article_id, []).append(proposal)
    removed_ids = old.keys() - new.keys()
    removed = {a.pk: a for a in Article.objects.filter(pk__in=removed_ids)}
    changes = []
    for article_id in [*new, *removed_ids]:
        before, after = old.get(article_id), new.get(article_id)
        if before and after and (before.title, before.text) == (after.title, after.text):
            continue
        article = after.article if after else removed[article_id]
        changes.append(
            ArticleChange(
                article=article,
                label=article.label,
                title=(after or before).title,  # type: ignore[union-attr]
                pieces=word_diff(before.text if before else "", after.text if after else ""),
                title_pieces=_title_diff(before, after),
                proposals=proposals.get(article_id, []),
                added=before is None,
                removed=after is None,
            )
        )
    changes.sort(key=lambda change: change.article.position)
    return changes


def _title_diff(before: ArticleText | None, after: ArticleText | None) -> list[Piece]:
    """The heading's words struck out and put in, when both versions have the article."""
    if before is None or after is None or before.title == after.title:
        return []
    return word_diff(before.title, after.title)


def versions(*, draft: Draft) -> QuerySet[DraftVersion]:
    return DraftVersion.objects.filter(draft=draft).order_by("number")
