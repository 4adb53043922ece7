"""The asker erases their data from their private link (`services.erase_participant`)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue.views import back_to_event, followed
from erasure.services import erase_participant
from live.errors import DomainError


@require_POST
def erase(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """Erase the data of the participant whose private link this is."""
    event, participant = followed(request, slug, token)
    if request.POST.get("confirm") != "yes":
        flash.error(request, _("Tick the box to confirm that your data should be erased."))
        return redirect("dialogue:mine", event.slug, token)
    try:
        erased = erase_participant(participant=participant, session=request.session)
    except DomainError as error:
        flash.error(request, error.message)
        return redirect("dialogue:mine", event.slug, token)
    flash.success(
        request,
        _(
            "Your data was erased: your name, your address and the words of your %(count)d "
            "questions are gone from every page; the dialogue's figures still count them."
        )
        % {"count": erased.questions},
    )
    return back_to_event(event)
