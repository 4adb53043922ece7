"""The moderator console page and the audit log; the console itself runs over its socket."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from dialogue.models import Question
from events import permissions
from events.models import Event
from moderation import selectors


def _labels() -> dict[str, object]:
    """Texts the console script shows, translated here so that no script carries a language."""
    return {
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "reconnecting": _("Connection lost. Reconnecting in %(seconds)s s…"),
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
    }


@login_required
def console(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(Event, slug=slug)
    if not permissions.can_moderate(request.user, event):
        raise PermissionDenied
    return render(
        request,
        "moderation/console.html",
        {
            "event": event,
            "labels": _labels(),
            "reasons": Question.RejectionReason.choices,
            "can_see_log": permissions.can_manage_event(request.user, event),
        },
    )


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    """Every moderation action of a dialogue, for its organisers."""
    event = get_object_or_404(Event, slug=slug)
    if not permissions.can_manage_event(request.user, event):
        raise PermissionDenied
    page = Paginator(selectors.audit_log(event), 100).get_page(request.GET.get("page"))
    return render(request, "moderation/log.html", {"event": event, "page": page})
