"""Parts of the busiest pages, rendered once and reused.

The catalogue's lists of dialogues and its filter form are kept in the cache (Redis in
production, so every worker shares them) under a generation that any change to a dialogue or an
agency replaces, and for at most `CATALOGUE_SECONDS`, which bounds what time alone changes (a
scheduled dialogue whose end has passed leaves "Upcoming").

The event page's question list, each question rendered once per state and then reused.

Rendering the list is most of an event page: ≈ 0.6 ms of template work per question, ≈ 60 ms
for a dialogue with a hundred (docs/performance.md, "HTTP pages"), on the first page every
phone loads when a dialogue starts. Each question's HTML depends only on the question, the
dialogue's state, the language and two facts about the visitor (their own question? their
vote?), so it is kept in this process under a digest of exactly those; the CSRF token, the
one part that is the visitor's alone, is put in after. A changed question has another digest,
so nothing is invalidated by hand and nothing stale can be shown.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dialogue import selectors
from dialogue.models import Question
from events.forms import CatalogueFilterForm
from events.models import Agency, Event

CATALOGUE_SECONDS = 30
_GENERATION = "catalogue:generation"
# Between the two parts of the catalogue's cached groups; a comment no title can produce.
_PART_BREAK = "<!-- catalogue: later -->"

# Rendered in place of the token, then replaced. Only the whole attribute is replaced, and a
# question's text cannot produce it: its quotes are escaped.
_CSRF_PLACEHOLDER = "csrf-token-of-the-visitor"
_PLACEHOLDER_ATTRIBUTE = f'value="{_CSRF_PLACEHOLDER}"'
# Kept in this process: cheaper than a round trip to Redis, and Django's local-memory cache
# spent more on checking and pickling a hundred keys a page than a plain dict does on all of it.
# Entries are never stale (see above); the dict is emptied when it grows past its bound.
_RENDERED: dict[str, str] = {}
MAX_ENTRIES = 5_000  # ≈ 20 MB at most, with long questions


def question_items(
    *,
    request: HttpRequest,
    event: Event,
    questions: Iterable[Question],
    own_ids: set[int],
    voted: set[int],
    can_vote: bool,
) -> SafeString:
    """The `<li>` of every question in order, as this visitor should see them."""
    language = get_language()
    keyed = [
        (
            question,
            _key(question, event, language, own_ids, voted, can_vote),
        )
        for question in questions
    ]
    if len(_RENDERED) > MAX_ENTRIES:
        _RENDERED.clear()
    parts = []
    for question, key in keyed:
        html = _RENDERED.get(key)
        if html is None:
            context = {
                "question": question,
                "event": event,
                "own_ids": own_ids,
                "voted": voted,
                "can_vote": can_vote,
                "csrf_token": _CSRF_PLACEHOLDER,
            }
            html = _RENDERED[key] = render_to_string("dialogue/_question.html", context)
        parts.append(html)
    token = f'value="{get_token(request)}"'
    # Template output joined, and a token of letters and digits put in: still safe HTML.
    return mark_safe("".join(parts).replace(_PLACEHOLDER_ATTRIBUTE, token))  # noqa: S308


def _key(
    question: Question,
    event: Event,
    language: str,
    own_ids: set[int],
    voted: set[int],
    can_vote: bool,
) -> str:
    # Everything _question.html reads, and nothing else.
    author = "" if question.is_anonymous else question.author.display_name
    state = (
        question.pk,
        question.text,
        question.vote_count,
        question.status,
        question.stage,
        question.is_anonymous,
        author,
        question.created_at.isoformat(),
        event.slug,
        event.status,
        language,
        question.pk in own_ids,
        question.pk in voted,
        can_vote,
    )
    return "question:" + hashlib.sha256(repr(state).encode()).hexdigest()


@dataclass(frozen=True)
class CatalogueGroups:
    """The catalogue's dialogues as HTML: the live ones, shown first, and the rest."""

    live: SafeString
    later: SafeString


def catalogue_groups(
    *,
    agency: Agency | None = None,
    legal_field: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> CatalogueGroups:
    """The catalogue's live, upcoming and past dialogues, as HTML, for these filters."""
    state = (agency.pk if agency else None, legal_field, date_from, date_to)

    # The live dialogues go above the filters (what a phone sees first), the others below: two
    # parts of one page, from one query.
    def render() -> str:
        groups = selectors.catalogue(
            agency=agency, legal_field=legal_field, date_from=date_from, date_to=date_to
        )
        parts = (
            render_to_string("dialogue/_event_groups.html", {"groups": groups, "part": part})
            for part in ("live", "later")
        )
        return _PART_BREAK.join(parts)

    live, later = _cached("groups", state, render).split(_PART_BREAK)
    # Parts of a template's output, split where the marker alone was joined in: still safe.
    return CatalogueGroups(live=mark_safe(live), later=mark_safe(later))  # noqa: S308


def catalogue_form(form: CatalogueFilterForm) -> SafeString:
    """The catalogue's filter fields as HTML; the empty form (most visits) is rendered once."""
    if form.is_bound:
        return mark_safe(_render_form(form))  # noqa: S308 -- a template's output
    return _cached("form", (), lambda: _render_form(form))


def _render_form(form: CatalogueFilterForm) -> str:
    return render_to_string("dialogue/_catalogue_fields.html", {"form": form})


def _cached(part: str, state: tuple[Any, ...], render: Any) -> SafeString:
    generation = cache.get(_GENERATION)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(_GENERATION, generation, None)
        generation = cache.get(_GENERATION, generation)
    digest = hashlib.sha256(
        repr((state, get_language(), timezone.get_current_timezone_name())).encode()
    ).hexdigest()
    key = f"catalogue:{generation}:{part}:{digest}"
    html: str | None = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, CATALOGUE_SECONDS)
    return mark_safe(html)  # noqa: S308 -- a template's output, cached as text


def catalogue_changed() -> None:
    """Start a new generation: every cached part of the catalogue is rendered again."""
    cache.set(_GENERATION, uuid.uuid4().hex, None)


@receiver(post_save, sender=Event, dispatch_uid="fragments.event_saved")
@receiver(post_delete, sender=Event, dispatch_uid="fragments.event_deleted")
@receiver(post_save, sender=Agency, dispatch_uid="fragments.agency_saved")
@receiver(post_delete, sender=Agency, dispatch_uid="fragments.agency_deleted")
def _dialogues_changed(**kwargs: Any) -> None:
    # Now, and again after the commit: a page rendered before the commit reads the old rows, and
    # may have stored them under the first new generation.
    catalogue_changed()
    transaction.on_commit(catalogue_changed)
