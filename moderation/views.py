"""The moderator console page and the audit log; the console itself runs over its socket."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue import facts, wordcloud
from dialogue.models import Poll, Question
from dialogue.selectors import poll_results
from events import access, permissions
from events.models import Event
from events.public import join_link
from live.errors import DomainError, InvalidMessage
from live.sockets import connection_labels
from moderation import lifecycle, record, selectors, services
from moderation.log_display import shown_entries


def _labels() -> dict[str, object]:
    """Texts the console script shows, translated here so that no script carries a language."""
    return {
        **connection_labels(),
        **_console_connection_labels(),
        "anonymous": _("Anonymous"),
        "approve": _("Approve"),
        "reject": _("Reject"),
        "edit": _("Edit"),
        "save": _("Save"),
        "cancel": _("Cancel"),
        "next": _("Up next"),
        "now": _("Answer now"),
        "answered": _("Answered"),
        "back": _("Back to the list"),
        "star": _("Star"),
        "unstar": _("Unstar"),
        "route": _("Route to"),
        "nobody": _("Nobody"),
        "tag": _("Topic"),
        "merge": _("Merge into this"),
        "duplicate_of": _("Likely duplicate of #%(id)s (%(score)s%%)"),
        "banned_word": _("Contains “%(phrase)s”"),
        "edited": _("Edited; the asker wrote: %(text)s"),
        "merged_into": _("Merged into #%(id)s"),
        "votes": _("votes"),
        "select": _("Select"),
        "ban": _("Ban the asker"),
        "ban_confirm": _("Ban this participant from the dialogue?"),
        "conflict": _("Another moderator changed this question first; it has been refreshed."),
        "failed": _("That did not work: %(message)s"),
        "done": _("Done."),
        "refused": _("%(count)s could not be changed."),
        "reason_prompt": _("Reason"),
        "count": _("%(count)s questions"),
        "signed_out": _("You have signed out. Sign in again to continue."),
        "revoked": _("You are no longer a moderator of this dialogue."),
        "copied": _("The stage link is copied."),
        "copy_prompt": _("Copy the stage link:"),
        "filtered": _("%(shown)s of %(total)s questions shown"),
        "legal_field": _("Suggested legal field: %(field)s"),
        "theme_of": _("Theme of #%(id)s"),
        "theme_count": _("%(count)s questions:"),
        "theme_merge": _("#%(source)s reads like #%(target)s (%(score)s%%)."),
        "merge_confirm_button": _("Merge…"),
        "theme_merge_confirm": _("Merge #%(source)s into #%(target)s?"),
    }


def _console_connection_labels() -> dict[str, str]:
    """A console shows the dialogue's status ("Live") beside its connection: the connection
    says it in other words, so that the two are never read as one."""
    return {"live": _("Connected, receiving updates")}


def not_staff(event: Event) -> PermissionDenied:
    """The refusal of a staff page: what is missing and whom to ask (templates/403.html)."""
    return PermissionDenied(
        _(
            "This page is for the moderators and officials of “%(event)s”, and you are not one "
            "of them. Ask an organiser of %(agency)s to invite you: as staff of this dialogue, "
            "or, for its legal Q&A, as the agency's own moderator or official."
        )
        % {"event": event.title, "agency": event.agency.name}
    )


@login_required
def console(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    if not permissions.can_moderate(request.user, event):
        raise not_staff(event)
    stage_url = request.build_absolute_uri(reverse("stage:screen", args=[event.stage_token]))
    context = {
        "event": event,
        "labels": _labels(),
        "reasons": Question.RejectionReason.choices,
        "can_see_log": permissions.can_manage_event(request.user, event),
        "stage_url": stage_url,
    }
    return render(request, "moderation/console.html", context)


@login_required
@require_POST
def change_status(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    user = access.signed_in(request)
    if not permissions.can_run(user, event):
        raise PermissionDenied
    try:
        event = lifecycle.change_status(
            actor=user, event=event, status=request.POST.get("status", "")
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        status = event.get_status_display()
        flash.success(request, _("The dialogue is now “%(status)s”.") % {"status": status})
    # Back to the page of the button (the organiser's page or the console), if it is ours.
    back = request.POST.get("next", "")
    # A path of this site, taken as an address (`redirect` would try any word as a view name).
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(back)
    return redirect("moderation:console", slug=event.slug)


@login_required
@require_POST
def renew_stage_link(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    try:
        services.renew_stage_link(actor=access.signed_in(request), event=event)
    except DomainError as error:
        raise PermissionDenied from error
    flash.success(request, _("A new stage link was made; the old one no longer works."))
    return redirect("moderation:console", slug=event.slug)


@login_required
def official_console(request: HttpRequest, slug: str) -> HttpResponse:
    """The official's console: the questions routed to them, live, and their answers."""
    event = get_object_or_404(Event, slug=slug)
    user = access.signed_in(request)
    if not permissions.can_run(user, event):
        raise not_staff(event)
    context = {"event": event, "labels": _official_labels()}
    return render(request, "moderation/official.html", context)


@login_required
def answers_due(request: HttpRequest, slug: str) -> HttpResponse:
    """Questions left to answer in writing, with who has them and when they are due."""
    event = get_object_or_404(Event, slug=slug)
    user = access.signed_in(request)
    if not permissions.can_run(user, event):
        raise not_staff(event)
    due = selectors.written_answers_due(event)
    if not permissions.can_moderate(user, event):
        due = [q for q in due if q.routed_to_id == user.pk]
    context = {
        "event": event,
        "extend_days": range(1, record.most_extension_days(event) + 1),
        **_due_context(due),
    }
    return render(request, "moderation/due.html", context)


@login_required
@require_POST
def extend_due(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    """The official who has a question gives it more time, once, with a reason (the due page)."""
    event = get_object_or_404(Event, slug=slug)
    user = access.signed_in(request)
    if not permissions.can_run(user, event):
        raise not_staff(event)
    days = request.POST.get("days", "")
    version = request.POST.get("version", "")
    try:
        services.extend_due(
            actor=user,
            event=event,
            question_id=question_id,
            version=int(version) if version.isdigit() and len(version) < 10 else -1,
            days=int(days) if days.isdigit() and len(days) < 4 else 0,
            reason=request.POST.get("reason", ""),
        )
    except services.StaleVersion:
        flash.error(request, _("The question changed meanwhile; look at it again."))
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(request, _("The date due was extended; the asker is shown why."))
    return redirect("moderation:due", slug=event.slug)


@login_required
def agency_answers_due(request: HttpRequest, slug: str) -> HttpResponse:
    """Written answers due and overdue in every dialogue of an agency, for its organisers."""
    agency = access.managed_agency(request, slug)
    due = selectors.agency_answers_due(agency)
    context = {
        "agency": agency,
        "reminder_days": settings.WRITTEN_ANSWER_REMINDER_DAYS,
        **_due_context(due),
    }
    return render(request, "moderation/agency_due.html", context)


def _due_context(due: list[Question]) -> dict[str, object]:
    now = timezone.now()
    overdue = sum(1 for q in due if facts.is_overdue(q, now))
    return {"due": due, "now": now, "overdue": overdue}


def stage_cloud(request: HttpRequest, token: str, poll_id: int) -> HttpResponse:
    """A short-text poll's answers as a word cloud (dialogue/wordcloud.py), for the stage.

    By the stage's secret link, for a poll of its dialogue that has been opened; drawn from the
    answers as they are now, so the stage asks again as the count grows.
    """
    event = get_object_or_404(Event.objects.exclude(status=Event.Status.DRAFT), stage_token=token)
    poll = get_object_or_404(
        Poll.objects.exclude(status=Poll.Status.DRAFT),
        pk=poll_id,
        event=event,
        kind=Poll.Kind.TEXT,
    )
    results = poll_results(poll_ids=[poll.pk])[poll.pk]
    words = [(word["text"], word["count"]) for word in results["words"]]
    drawing = wordcloud.drawn(
        words, label=_("Word cloud: %(question)s") % {"question": poll.question}
    )
    response = HttpResponse(drawing, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def stage(request: HttpRequest, token: str) -> HttpResponse:
    """The hall's screen, opened by its secret link; no account and no controls."""
    event = get_object_or_404(Event.objects.exclude(status=Event.Status.DRAFT), stage_token=token)
    # The short link with the join code: quicker to type off the hall's screen than the slug.
    join = join_link(request, event)
    join_url = join["url"]
    qr = segno.make(join_url, error="m").svg_data_uri(dark="#000", light="#fff", border=2, scale=8)
    labels = {
        "anonymous": _("Anonymous"),
        "votes": _("votes"),
        "waiting": _("The next question will appear here."),
        "revoked": _("This stage link is no longer valid."),
        "poll_answers": _("%(count)s answers"),
        "poll_points": _("%(count)s points"),
        "poll_leaders": _("First right answers"),
        "ended": _("This dialogue has ended. Thank you for taking part."),
    }
    context = {
        "event": event,
        "join_url": join_url,
        "short_url": join["short"],
        # Where the link may wrap on a screen too narrow for it: after the host, never inside.
        "short_parts": join["short"].partition("/")[::2],
        "join_code": join["code"],
        "qr": qr,
        "labels": labels,
        # The word cloud of poll N is at this address with N in place of 0.
        "cloud_url": reverse("stage:cloud", args=[token, 0]),
    }
    response = render(request, "moderation/stage.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _official_labels() -> dict[str, str]:
    return {
        **connection_labels(),
        **_console_connection_labels(),
        "signed_out": _("You have signed out. Sign in again to continue."),
        "revoked": _("You are no longer an official of this dialogue."),
        "anonymous": _("Anonymous"),
        "answering": _("I am answering this"),
        "on_stage": _("On stage now"),
        "next": _("Up next"),
        "note": _("Live note (shown on stage)"),
        "save_note": _("Show note"),
        "answer": _("Written answer"),
        "save": _("Save draft"),
        "publish": _("Publish the answer"),
        "published": _("Answer published"),
        "due": _("Due %(date)s"),
        "overdue": _("Overdue since %(date)s"),
        "votes": _("votes"),
        "empty": _("No question is routed to you yet."),
        "failed": _("That did not work: %(message)s"),
        "saved": _("Saved."),
        "find_law": _("Find the law that answers it"),
        "law_found": _("Articles that may answer it"),
        "law_none": _("No article of the legal library matches this question."),
        "close_law": _("Close"),
        "cite_clause": _("Cite %(clause)s"),
        "cite_article": _("Cite the whole article"),
        "cite_anyway": _("Cite it anyway"),
        "cited": _("The law cited"),
        "cited_done": _("Cited."),
        "uncite": _("Remove"),
        "law_not_in_force": _(
            "%(document)s is no longer in force: this article is not the law that applies."
        ),
        "law_amended": _("%(document)s has been amended: check that this article still reads so."),
    }


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Every moderation action of a dialogue, for its organisers."""
    event = get_object_or_404(Event, slug=slug)
    if not permissions.can_manage_event(request.user, event):
        raise PermissionDenied
    page = Paginator(selectors.audit_log(event), 100).get_page(request.GET.get("page"))
    context = {"event": event, "page": page, "entries": shown_entries(page.object_list)}
    return render(request, "moderation/log.html", context)


@login_required
def polls(request: HttpRequest, slug: str) -> HttpResponse:
    """The dialogue's polls: prepare one (POST), open and close them, show results on stage."""
    event = get_object_or_404(Event, slug=slug)
    user = access.signed_in(request)
    if not permissions.can_moderate(user, event):
        raise not_staff(event)
    status = 200
    if request.method == "POST":
        try:
            services.create_poll(
                actor=user,
                event=event,
                question=request.POST.get("question", ""),
                kind=request.POST.get("kind", ""),
                options=request.POST.get("options", "").splitlines(),
            )
        except DomainError as error:
            flash.error(request, error.message)
            status = 400
        else:
            flash.success(request, _("The poll is prepared; open it when its time comes."))
            return redirect("moderation:polls", slug=event.slug)
    context = {
        "event": event,
        "polls": selectors.polls(event),
        "kinds": Poll.Kind.choices,
        "form": request.POST if status == 400 else {},
    }
    return render(request, "moderation/polls.html", context, status=status)


@login_required
@require_POST
def poll_action(request: HttpRequest, slug: str, poll_id: int) -> HttpResponse:
    """Open or close a poll, or show or hide its results on stage (the polls page's buttons)."""
    event = get_object_or_404(Event, slug=slug)
    user = access.signed_in(request)
    if not permissions.can_moderate(user, event):
        raise PermissionDenied
    action = request.POST.get("action", "")
    try:
        if action == "open":
            services.open_poll(actor=user, event=event, poll_id=poll_id)
        elif action == "close":
            services.close_poll(actor=user, event=event, poll_id=poll_id)
        elif action == "reveal":
            services.reveal_quiz(actor=user, event=event, poll_id=poll_id)
        elif action in ("show", "hide"):
            shown = action == "show"
            services.show_poll_on_stage(actor=user, event=event, poll_id=poll_id, shown=shown)
        else:
            raise InvalidMessage(_("Unknown action."), code="invalid_action")
    except DomainError as error:
        flash.error(request, error.message)
    return redirect(reverse("moderation:polls", args=[event.slug]) + f"#poll-{poll_id}")
