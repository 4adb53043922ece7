"""Telling a draft's open pages that an article's comments changed, after the write commits."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from consultation.frames import DraftArticle, DraftState
from consultation.models import Comment, Draft
from live.broadcast import broadcast_on_commit
from live.groups import draft_group
from live.wire import build

# (comment id, supports, when its response last changed) of each published comment.
Row = tuple[int, int, datetime | None]


def stamp(rows: Iterable[Row]) -> str:
    """A short digest of an article's published comments, supports and responses."""
    text = ";".join(
        f"{pk},{supports},{at.isoformat() if at else ''}" for pk, supports, at in sorted(rows)
    )
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _rows(draft_id: int, article_ids: Iterable[int] | None = None) -> dict[int, list[Row]]:
    published = Comment.objects.filter(
        draft_id=draft_id, status__in=Comment.PUBLIC_STATUSES, erased_at__isnull=True
    )
    if article_ids is not None:
        published = published.filter(article_id__in=list(article_ids))
    rows: dict[int, list[Row]] = {}
    for article_id, pk, supports, at in published.values_list(
        "article_id", "pk", "support_count", "reply__updated_at"
    ):
        rows.setdefault(article_id, []).append((pk, supports, at))
    return rows


def article_stamps(draft: Draft) -> dict[int, str]:
    """Every current article's stamp, for the page and the socket's snapshot."""
    rows = _rows(draft.pk)
    ids = draft.articles.filter(removed=False).values_list("pk", flat=True)
    return {pk: stamp(rows.get(pk, [])) for pk in ids}


def state_frame(draft: Draft) -> dict[str, object]:
    return build(DraftState, articles={str(k): v for k, v in article_stamps(draft).items()})


def article_changed(draft_id: int, *article_ids: int) -> None:
    """Once the transaction commits, tell the draft's pages these articles' new stamps."""
    rows = _rows(draft_id, article_ids)
    for article_id in dict.fromkeys(article_ids):
        frame = build(DraftArticle, article=article_id, stamp=stamp(rows.get(article_id, [])))
        broadcast_on_commit(draft_group(draft_id), frame)
