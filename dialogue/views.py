"""Citizen pages: the catalogue and the event page. They work without JavaScript (plain POST)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue import (
    fragments,
    messages,
    permissions,
    push,
    ratelimit,
    receipts,
    selectors,
    services,
)
from dialogue.forms import AskForm, JoinForm, LookupForm, join_token
from dialogue.models import Participant, Question, normalise_tracking_code
from dialogue.notices import asker_address
from events import permissions as staff
from events import selectors as event_selectors
from events.forms import CatalogueFilterForm, LegalQAFilterForm
from events.models import Agency, Event
from events.public import join_link
from events.secret_paths import service_worker_patterns
from events.services import clean_origins
from events.text import CONTROL_CHARACTERS, has_control_characters, normalise
from live.errors import DomainError, InvalidMessage, NotAllowed
from live.sockets import connection_labels


def catalogue(request: HttpRequest) -> HttpResponse:
    """Live, upcoming and past dialogues, filtered by agency, legal field and date; search."""
    form = CatalogueFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    query = ""
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = {
                "agency": data["agency"],
                "legal_field": data["field"],
                "date_from": data["date_from"],
                "date_to": data["date_to"],
            }
            query = data["q"].strip()
        else:
            status = 400
    results = (
        selectors.search_questions(
            query=query, agency=filters.get("agency"), legal_field=filters.get("legal_field", "")
        )
        if query
        else None
    )
    context = {
        "event_groups": fragments.catalogue_groups(**filters),
        "filter_fields": fragments.catalogue_form(form),
        "form": form,
        "query": query,
        "results": results,
        "filtered": bool(filters and any(filters.values())),
        # The filters fold away on a phone, unless one is set (or wrong): then they show.
        "filters_open": bool(query or form.errors or (filters and any(filters.values()))),
    }
    return render(request, "dialogue/catalogue.html", context, status=status)


def legal_qa(request: HttpRequest) -> HttpResponse:
    """The legal Q&A ("Hỏi đáp pháp luật"): every agency's standing Q&A to ask in, and the
    answers published, as an FAQ by legal field and by agency, with the catalogue's search."""
    form = LegalQAFilterForm(request.GET or None)
    field, agency, query = "", None, ""
    if form.is_bound and form.is_valid():
        field = form.cleaned_data["field"]
        agency = form.cleaned_data["agency"]
        query = form.cleaned_data["q"].strip()
    if query:
        answers = [
            question
            for question in selectors.search_questions(
                query=query, agency=agency, legal_field=field
            )
            if selectors.answer_is_public(question)
        ]
    else:
        answers = selectors.frequently_asked(legal_field=field, agency=agency)
    services_open = selectors.standing_services()
    context = {
        "form": form,
        "services": services_open,
        "fields": selectors.answers_by_legal_field(),
        "field": field,
        "field_label": dict(Event.LegalField.choices).get(field, ""),
        "agency": agency,
        "query": query,
        "answers": answers,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dialogue/legal_qa.html", context, status=status)


def _visible_event(request: HttpRequest, slug: str) -> Event:
    event = get_object_or_404(Event.objects.select_related("agency"), slug=slug)
    if not permissions.can_view_event(request.user, event):
        raise Http404
    return event


def back_to_event(event: Event, anchor: str = "") -> HttpResponseRedirect:
    return redirect(event.get_absolute_url() + anchor)


def _socket_labels() -> dict[str, object]:
    """Texts the live script shows, translated here so that no script carries a language."""
    return {
        **connection_labels(),
        "live": _("Live: updates appear as they happen"),
        "ended": _("This dialogue has ended: its answers are in the archive."),
        "anonymous": _("Anonymous"),
        "pending": _("Awaiting approval"),
        "approved": _("Published"),
        "answered": _("Answered"),
        "rejected": _("Not selected"),
        "new_question": _("New question: %(text)s"),
        "sent_pending": _("Your question was sent. It will appear once a moderator approves it."),
        "sent_published": _("Your question was published."),
        "queued": _("Will be sent when connected"),
        "sending": _("Sending…"),
        "vote": _("Vote for this question"),
        "unvote": _("Take back my vote"),
        "failed": _("That did not work. Please try again."),
        "merged": _("Merged with a similar question"),
        "banned": _("You can no longer take part in this dialogue."),
        "signed_out": _("You have signed out. Sign in again to continue."),
        "reasons": {code: str(label) for code, label in Question.RejectionReason.choices},
        "poll_closed": _("Closed"),
        "poll_send": _("Send my answer"),
        "poll_text": _("Your answer, in a few words"),
        "poll_thanks": _("Thank you: your answer is counted."),
        "poll_answers": _("%(count)s answers"),
        "poll_empty": _("No answer yet."),
        "poll_rank": _("Put the answers in order, the one you prefer first"),
        "poll_up": _("Move up: %(option)s"),
        "poll_down": _("Move down: %(option)s"),
        "poll_points": _("%(count)s points"),
        "poll_leaderboard": _("Show my name on the leaderboard if I am right"),
        "poll_right": _("Right answer"),
        "poll_leaders": _("First right answers"),
    }


def event_page(
    request: HttpRequest,
    slug: str,
    ask_form: AskForm | None = None,
    join_form: JoinForm | None = None,
    status: int = 200,
) -> HttpResponse:
    event = _visible_event(request, slug)
    sort = request.GET.get("sort", "popular")
    sort = sort if sort in selectors.SORTS else "popular"
    participant = selectors.participant_for(event=event, user=request.user, session=request.session)
    own = list(selectors.own_questions(participant=participant))
    questions = list(selectors.visible_questions(event=event, sort=sort))
    voted = selectors.voted_question_ids(participant=participant)
    can_vote = permissions.can_vote(event)
    ended = event.status in (Event.Status.ENDED, Event.Status.ARCHIVED)
    context = {
        "event": event,
        "sort": sort,
        "questions": questions,
        "question_items": fragments.question_items(
            request=request,
            event=event,
            questions=questions,
            own_ids={q.pk for q in own},
            voted=voted,
            can_vote=can_vote,
        ),
        "waiting": [q for q in own if not q.is_public],
        "voted": voted,
        "participant": participant,
        # A nickname asker's private link to their questions (dialogue/selectors.py).
        "follow_url": _follow_url(request, event, participant),
        "asked": bool(own),
        "similar_min_length": selectors.SIMILAR_MIN_LENGTH,
        "can_take_part": permissions.can_take_part(request.user, event),
        "can_ask": permissions.can_ask(event),
        "can_vote": can_vote,
        "ask_form": ask_form or AskForm(max_length=event.question_max_length),
        "join_form": join_form or JoinForm(event_id=event.pk),
        "join_token": join_token(event.pk),
        "labels": _socket_labels(),
        "can_moderate": staff.can_moderate(request.user, event),
        "join": join_link(request, event),
        "poll": None if ended else _poll_context(event, participant),
        "closed_polls": selectors.closed_polls(event=event) if ended else [],
        "rejections": selectors.rejection_counts(event=event)
        if event.status in (Event.Status.ENDED, Event.Status.ARCHIVED)
        else [],
    }
    response = render(request, "dialogue/event.html", context, status=status)
    if context["follow_url"]:
        # The page carries the asker's private link: no copy of it is kept, not even offline.
        response["Cache-Control"] = "private, no-store"
    return response


def _follow_url(request: HttpRequest, event: Event, participant: Participant | None) -> str:
    if participant is None or participant.user_id is not None:
        return ""
    token = selectors.follow_token(participant)
    return request.build_absolute_uri(reverse("dialogue:mine", args=[event.slug, token]))


def followed(request: HttpRequest, slug: str, token: str) -> tuple[Event, Participant]:
    """The dialogue and the participant whose private link this is, or 404."""
    event = _visible_event(request, slug)
    participant = selectors.participant_by_follow_token(event=event, token=token)
    if participant is None:
        raise Http404(
            _(
                "This link to your questions is not valid: it was renewed, it has expired, or "
                "its data was erased."
            )
        )
    return event, participant


def mine(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The asker's private page: their questions, what became of each, and erasing their data.

    Reached with the private link alone, from any browser and without an account; the link is
    the secret, so the page is never cached or indexed, and it names no one.
    """
    event, participant = followed(request, slug, token)
    context = {
        "event": event,
        "participant": participant,
        "questions": selectors.followed_questions(participant=participant),
        "follow_url": request.build_absolute_uri(),
        "token": token,
        "expires_at": selectors.follow_link_expires_at(event),
        "push_key": push.public_key() if push.enabled() else "",
    }
    response = render(request, "dialogue/mine.html", context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    # Its address is a secret link: sent with `Referrer-Policy: no-referrer`, to this site as
    # to any other (config/secret_links.py), and its forms still pass the CSRF check.
    return response


@require_POST
def renew_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A new private link, from the page of the old one, which stops working at once."""
    event, participant = followed(request, slug, token)
    participant = services.renew_follow_link(participant=participant)
    flash.success(
        request,
        _(
            "Your private link was renewed: the old one no longer opens this page. Keep this "
            "new one."
        ),
    )
    return redirect("dialogue:mine", event.slug, selectors.follow_token(participant))


@require_POST
def push_subscription(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """This browser told each step by Web Push, or no longer: from the private page; answered in
    JSON. A form: the browser's subscription (`endpoint`, and its keys `p256dh` and `auth`), or the
    `endpoint` with `remove`. Counted against a rate limit of its own, so that a script cannot
    fill the table.
    """
    _event, participant = followed(request, slug, token)
    try:
        ratelimit.check("push", participant_id=participant.pk, ip=_ip(request))
        if request.POST.get("remove"):
            push.unsubscribe(participant=participant, endpoint=request.POST.get("endpoint"))
            return JsonResponse({"subscribed": False})
        push.subscribe(
            participant=participant,
            endpoint=request.POST.get("endpoint"),
            p256dh=request.POST.get("p256dh"),
            auth=request.POST.get("auth"),
        )
    except DomainError as error:
        status = 429 if error.code == "rate_limited" else 400
        return JsonResponse({"error": error.message, "code": error.code}, status=status)
    return JsonResponse({"subscribed": True})


@require_POST
def similar(request: HttpRequest, slug: str) -> HttpResponse:
    """Questions already asked that are like the one being typed (`q`, in the body), and the
    articles of the law that may answer it, as JSON.

    A POST, not a GET: the words typed never travel in a URL, which the servers' logs keep.

    For those with an ask box: participants, and signed-in people (who join on their first
    question; a look-up does not make them join). Counted against a rate limit of its own, so a
    script cannot use it to scan the dialogue.
    """
    event = _visible_event(request, slug)
    participant = selectors.participant_for(event=event, user=request.user, session=request.session)
    if participant is not None:
        who = participant.pk
    elif request.user.is_authenticated:
        who = -int(request.user.pk)  # counted apart from every participant id
    else:
        return JsonResponse({"error": _("Choose a nickname to take part.")}, status=403)
    # The one cleaner's normalisation, as for the question it may become (events/text.py).
    text = normalise(request.POST.get("q", ""))[: event.question_max_length]
    if has_control_characters(text):
        return JsonResponse({"error": str(CONTROL_CHARACTERS)}, status=400)
    try:
        ratelimit.check("similar", participant_id=who, ip=_ip(request))
    except DomainError as error:
        return JsonResponse({"error": error.message}, status=429)
    found = selectors.similar_questions(event=event, text=text)
    articles = selectors.suggested_articles(event=event, text=text)
    response = JsonResponse(
        {
            "questions": [
                {
                    "id": question.pk,
                    "text": question.text,
                    "votes": question.vote_count,
                    "answered": question.status == Question.Status.ANSWERED,
                }
                for question in found
            ],
            # The law that may already answer it (law/matching.py), beside the questions.
            "articles": [
                {
                    "document": match.document_title,
                    "number": match.number,
                    "heading": match.heading,
                    "url": match.url,
                }
                for match in articles
            ],
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _poll_context(event: Event, participant: Participant | None) -> dict[str, Any] | None:
    """The poll the page shows (the open one, else the one closed last) and this visitor's part."""
    poll = selectors.current_poll(event=event)
    if poll is None:
        return None
    (summary,) = selectors.summarise_polls([poll])
    answered = poll.pk in selectors.answered_poll_ids(participant=participant)
    return {
        "summary": summary,
        "answered": answered,
        "can_answer": poll.is_open and not answered and permissions.can_answer_polls(event),
    }


def _ip(request: HttpRequest) -> str | None:
    # The server sets REMOTE_ADDR from the proxy's X-Forwarded-For when run with proxy headers.
    return request.META.get("REMOTE_ADDR")


def _participant(request: HttpRequest, event: Event) -> Participant:
    """The participant making this request; signed-in users join on their first action."""
    participant = selectors.participant_for(event=event, user=request.user, session=request.session)
    if participant is not None:
        return participant
    if not request.user.is_authenticated:
        raise NotAllowed(_("Choose a nickname to take part."), code="join_required")
    return services.join_event(event=event, user=request.user, session=request.session)


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_event(request, slug)
    form = JoinForm(request.POST, event_id=event.pk)
    if not form.is_valid():
        return event_page(request, slug, join_form=form, status=400)
    try:
        participant = services.join_event(
            event=event,
            user=request.user,
            session=request.session,
            nickname=form.cleaned_data["nickname"],
            email=form.cleaned_data["email"],
            phone=form.cleaned_data["phone"],
            tell_on_zalo=form.cleaned_data["zalo"],
            consented=form.cleaned_data["consent"],
            ip=_ip(request),
        )
    except DomainError as error:
        form.add_error("phone" if error.code == "invalid_phone" else "nickname", error.message)
        return event_page(request, slug, join_form=form, status=400)
    if not permissions.was_there(participant):
        flash.info(request, services.joined_late().message)
    return back_to_event(event, "#ask")


@require_POST
def ask(request: HttpRequest, slug: str) -> HttpResponse:
    event = _visible_event(request, slug)
    form = AskForm(request.POST, max_length=event.question_max_length)
    if not form.is_valid():
        return event_page(request, slug, ask_form=form, status=400)
    try:
        participant = _participant(request, event)
        question = services.ask_question(
            participant=participant,
            text=form.cleaned_data["text"],
            client_id=form.cleaned_data["client_id"],
            anonymous=form.cleaned_data["anonymous"],
            legal_field=form.cleaned_data["legal_field"],
            ip=_ip(request),
        )
    except DomainError as error:
        form.add_error("text", error.message)
        return event_page(request, slug, ask_form=form, status=400)
    if event.is_standing:
        # The receipt is a page of its own, to read the code from and keep; the session says
        # which question it is, so that nothing of it travels in the address.
        request.session[RECEIPT_KEY] = {
            **request.session.get(RECEIPT_KEY, {}),
            str(event.pk): question.pk,
        }
        return redirect("dialogue:receipt", event.slug)
    if question.status == Question.Status.PENDING:
        flash.success(
            request, _("Your question was sent. It will appear once a moderator approves it.")
        )
    else:
        flash.success(request, _("Your question was published."))
    return back_to_event(event, "#ask")


# In the session: the question each standing Q&A's receipt page shows (the last one asked).
RECEIPT_KEY = "dialogue.receipts"


def receipt(request: HttpRequest, slug: str) -> HttpResponse:
    """The asker's receipt of the question they just sent to a standing Q&A: its tracking code,
    the date received and the date due; or, with none to show, on to the ask form."""
    event = _visible_event(request, slug)
    participant = selectors.participant_for(event=event, user=request.user, session=request.session)
    question_id = request.session.get(RECEIPT_KEY, {}).get(str(event.pk))
    question = (
        Question.objects.present()
        .select_related("event__agency", "author__user")
        .filter(pk=question_id, author=participant)
        .first()
        if participant is not None and isinstance(question_id, int)
        else None
    )
    if question is None:
        return back_to_event(event, "#ask")
    context = {
        "event": event,
        "receipt": receipts.receipt_for(question),
        "emailed_to": asker_address(question),
        "follow_url": _follow_url(request, event, participant),
    }
    response = render(request, "dialogue/receipt.html", context)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def lookup(request: HttpRequest) -> HttpResponse:
    """Look a question up by its tracking code and the asker's email or phone number.

    A POST, so that neither travels in an address. Every try is counted against a rate limit;
    a code and a contact that do not belong together get one neutral answer and change nothing.
    """
    form = LookupForm(request.POST if request.method == "POST" else None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        status = _look_up(request, form, context)
    response = render(request, "dialogue/lookup.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _look_up(request: HttpRequest, form: LookupForm, context: dict[str, Any]) -> int:
    """Fill `context` with what the look-up found; the status of the page."""
    if not form.is_valid():
        return 400
    code = normalise_tracking_code(form.cleaned_data["code"])
    try:
        ratelimit.check_lookup(code=code, ip=_ip(request))
    except DomainError as error:
        form.add_error(None, error.message)
        return 429
    found = receipts.look_up(code=code, contact=form.cleaned_data["contact"])
    if found is None:
        context["not_found"] = True
        return 404
    question = found.question
    if question is None:
        context["erased"] = True
        return 410
    context.update(
        {
            "question": question,
            "receipt": receipts.receipt_for(question),
            "answer_public": selectors.answer_is_public(question),
        }
    )
    return 200


@require_POST
def vote(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    event = _visible_event(request, slug)
    try:
        participant = _participant(request, event)
        if request.POST.get("action") == "unvote":
            services.unvote(participant=participant, question_id=question_id, ip=_ip(request))
        else:
            services.vote(participant=participant, question_id=question_id, ip=_ip(request))
    except DomainError as error:
        flash.error(request, error.message)
    return back_to_event(event, f"#q{question_id}")


@require_POST
def answer_poll(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    """The poll's form without the socket: the same service, the same refusals."""
    event = _visible_event(request, slug)
    try:
        participant = _participant(request, event)
        options = []
        for value in request.POST.getlist("option"):
            if not value.isdigit() or not 0 < int(value) <= messages.MAX_ID:
                raise InvalidMessage(_("That is not one of this poll's answers."))
            options.append(int(value))
        services.answer_poll(
            participant=participant,
            poll_id=poll_id,
            option_ids=options,
            text=request.POST.get("text", ""),
            on_leaderboard=request.POST.get("leaderboard") == "on",
            ip=_ip(request),
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("Thank you: your answer to the poll was saved."))
    return back_to_event(event, "#poll")


@require_POST
def rate(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    """Rate a published answer from the archive (a participant of the dialogue, once each)."""
    event = _visible_event(request, slug)
    participant = selectors.participant_for(event=event, user=request.user, session=request.session)
    try:
        if participant is None:
            raise NotAllowed(
                _("Only the people who took part in this dialogue can rate its answers."),
                code="not_a_participant",
            )
        services.rate_answer(
            participant=participant,
            question_id=question_id,
            score=request.POST.get("score", ""),
            comment=request.POST.get("comment", ""),
            ip=_ip(request),
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("Thank you: your rating of the answer was saved."))
    return redirect(reverse("dialogue:archive", args=[event.slug]) + f"#q{question_id}")


def archive(request: HttpRequest, slug: str) -> HttpResponse:
    """The event's archive: every answered question with its answer, live or written."""
    event = _visible_event(request, slug)
    if not selectors.archive_is_public(event):
        raise Http404
    titles = event_selectors.official_titles(events=[event])
    entries = []
    participant = selectors.participant_for(event=event, user=request.user, session=request.session)
    questions = selectors.answered_questions(event=event)
    ratings = selectors.rating_summaries(answer_ids=[q.answer.pk for q in questions])
    mine = selectors.own_ratings(participant=participant)
    for question in questions:
        answer = question.answer
        live = answer.kind == answer.Kind.LIVE
        entries.append(
            {
                "question": question,
                "answer": answer,
                "rating": ratings.get(answer.pk),
                "my_rating": mine.get(answer.pk),
                "may_rate": participant is not None and permissions.may_rate(participant, question),
                "title": titles.get(answer.official_id or 0, ""),
                "recording": selectors.recording_link(event.recording_url, answer.recording_offset)
                if live
                else "",
            }
        )
    context = {
        "event": event,
        "entries": entries,
        "closed_polls": selectors.closed_polls(event=event),
        "documents": event.legal_documents.all(),
        "joined_late": participant is not None and not permissions.was_there(participant),
    }
    return render(request, "dialogue/archive.html", context)


# --- Integration: the embeddable widget, the web app manifest and service worker ------------------


def _framed_by(response: HttpResponse, agency: Agency) -> HttpResponse:
    """Let the agency's own sites (and those of the agencies above it) frame this response.

    CSP `frame-ancestors` is the one rule browsers apply; X-Frame-Options cannot name several
    sites, so it is left off here and every other page keeps SAMEORIGIN.
    """
    origins: list[str] = []
    for ancestor in Agency.objects.filter(pk__in=staff.agency_lineage(agency)):
        # Checked strictly when saved; checked again here, as it goes into a header.
        for origin in ancestor.frame_origins:
            try:
                origins.extend(clean_origins(origin))
            except DomainError:
                continue
    response._csp_replace = {"frame-ancestors": ["'self'", *dict.fromkeys(origins)]}  # type: ignore[attr-defined]
    response.xframe_options_exempt = True
    return response


def embed_agency(request: HttpRequest, slug: str) -> HttpResponse:
    """The widget an agency portal frames: its live and upcoming dialogues."""
    agency = get_object_or_404(Agency, slug=slug)
    groups = event_selectors.agency_dialogues(agency=agency)
    context = {"agency": agency, "live": groups["live"], "upcoming": groups["upcoming"][:10]}
    return _framed_by(render(request, "dialogue/embed_agency.html", context), agency)


def embed_event(request: HttpRequest, slug: str) -> HttpResponse:
    """The widget of one dialogue: its questions and their answers, refreshed while live."""
    event = _visible_event(request, slug)
    questions = list(selectors.visible_questions(event=event, sort="popular")[:30])
    context = {"event": event, "questions": questions, "refresh": event.status == Event.Status.LIVE}
    return _framed_by(render(request, "dialogue/embed_event.html", context), event.agency)


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: citizens add the platform to their phone's home screen."""
    data = {
        "name": _("Policy and law dialogues"),
        "short_name": _("Dialogues"),
        "description": _("Ask the agencies, vote for questions and follow the answers live."),
        "lang": get_language() or "vi",
        "start_url": reverse("dialogue:catalogue") + "?source=homescreen",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#a3141b",
        "icons": [
            {
                "src": static(f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ]
        + [
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response


# A new service worker (and cache) with each release: the version of the deployed code.
STATIC_VERSION = "3"


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from the root so that it may control every page."""
    response = render(
        request,
        "dialogue/service-worker.js",
        {
            "version": STATIC_VERSION,
            "offline_url": static("offline.html"),
            "static_prefix": settings.STATIC_URL,
            "sign_out_url": reverse("account_logout"),
            "secret_paths": json.dumps(service_worker_patterns()),
        },
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
