"""Versions of a draft: the text put out for comment, then each revision the agency publishes.

A revision is pasted whole and parsed as the first text was. Articles and clauses are matched by
their numbers and rewritten in place, so the comments on them stay on them; new ones are added;
those no longer in the text are left out of the page (`removed`) and keep their comments. Each
version keeps every article's heading and text (`ArticleText`), which the word diff reads.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from consultation import changes, notices, permissions
from consultation.models import (
    Article,
    ArticleText,
    Chapter,
    Clause,
    Comment,
    Draft,
    DraftVersion,
    Reply,
)
from events.models import User
from law.parser import ParsedDocument, parse_draft
from live.errors import InvalidMessage, NotAllowed

TEXT_MAX_LENGTH = 200_000
NOTE_MAX_LENGTH = 5000


def parsed(text: str) -> ParsedDocument:
    """The draft's chapters, articles and clauses; a text too long is refused."""
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidMessage(
            _("The draft is longer than %(max)d characters.") % {"max": TEXT_MAX_LENGTH},
            code="too_long",
        )
    return parse_draft(text)


def snapshot(draft: Draft, *, number: int, actor: User | None, note: str) -> DraftVersion:
    """Keep each current article's heading and text as this version publishes them."""
    version = DraftVersion.objects.create(draft=draft, number=number, note=note, published_by=actor)
    articles = Article.objects.filter(draft=draft, removed=False).prefetch_related("clauses")
    ArticleText.objects.bulk_create(
        ArticleText(version=version, article=a, title=a.title, text=a.full_text()) for a in articles
    )
    return version


@transaction.atomic
def publish_version(*, actor: User, draft: Draft, text: str, note: str = "") -> DraftVersion:
    """Publish a revised text; the accepted proposals not yet in a version are marked as taken
    into this one where their article changed; everyone who commented is told."""
    if not permissions.can_manage_draft(actor, draft):
        raise NotAllowed(_("Only the organisers of this agency may do that."))
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.status == Draft.Status.PREPARING:
        raise InvalidMessage(_("The draft has not been put out for comment yet."))
    revision = parsed(text)
    previous = DraftVersion.objects.filter(draft=draft).order_by("-number").first()
    before = {t.article_id: (t.title, t.text) for t in previous.texts.all()} if previous else {}
    kept = _rewrite(draft, revision)
    draft.preamble = revision.preamble
    draft.source_text = text
    draft.save(update_fields=["preamble", "source_text"])
    number = previous.number + 1 if previous else 1
    version = snapshot(draft, number=number, actor=actor, note=note.strip()[:NOTE_MAX_LENGTH])
    after = {t.article_id: (t.title, t.text) for t in version.texts.all()}
    changed = {pk for pk in before.keys() | after.keys() if before.get(pk) != after.get(pk)}
    Comment.objects.filter(
        draft=draft,
        version=None,
        article_id__in=changed,
        reply__disposition__in=[Reply.Disposition.ACCEPTED, Reply.Disposition.PARTLY],
    ).exclude(quote="").update(version=version)
    notices.tell_of_version(version)
    changes.article_changed(draft.pk, *kept)
    return version


def _rewrite(draft: Draft, revision: ParsedDocument) -> set[int]:
    """Rewrite the draft's articles and clauses as the revision has them; the articles kept."""
    existing = {a.number: a for a in Article.objects.filter(draft=draft)}
    chapters = {c.number: c for c in Chapter.objects.filter(draft=draft)}
    kept: set[int] = set()
    for position, parsed_article in enumerate(revision.articles):
        chapter = None
        if parsed_article.chapter is not None:
            parsed_chapter = revision.chapters[parsed_article.chapter]
            chapter = chapters.get(parsed_chapter.number) or Chapter.objects.create(
                draft=draft,
                number=parsed_chapter.number,
                title=parsed_chapter.title[:300],
                position=len(chapters) + position,
            )
            chapters[chapter.number] = chapter
        article = existing.get(parsed_article.number) or Article(
            draft=draft, number=parsed_article.number
        )
        article.chapter = chapter
        article.section = parsed_article.section[:300]
        article.title = parsed_article.title[:300]
        article.body = parsed_article.body
        article.position = position
        article.removed = False
        article.save()
        kept.add(article.pk)
        clauses = {c.number: c for c in Clause.objects.filter(article=article)}
        current: set[int] = set()
        for i, parsed_clause in enumerate(parsed_article.clauses):
            clause = clauses.get(parsed_clause.number) or Clause(
                article=article, number=parsed_clause.number
            )
            clause.text, clause.position, clause.removed = parsed_clause.text, i, False
            clause.save()
            current.add(clause.pk)
        Clause.objects.filter(article=article).exclude(pk__in=current).update(removed=True)
    Article.objects.filter(draft=draft).exclude(pk__in=kept).update(removed=True)
    return kept
