"""Organiser pages (staff and invitations), invitation acceptance, the account's privacy pages."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import access, selectors, services
from events.forms import DeleteAccountForm, InvitationForm
from events.models import Agency, Invitation
from live.errors import DomainError


@login_required
def manage_index(request: HttpRequest) -> HttpResponse:
    agencies = list(selectors.managed_agencies(user=access.signed_in(request)))
    if len(agencies) == 1:
        return redirect("events:manage:agency", slug=agencies[0].slug)
    return render(request, "events/manage_index.html", {"agencies": agencies})


def _agency_page(
    request: HttpRequest, agency: Agency, form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "agency": agency,
        "organisers": selectors.agency_organisers(agency=agency),
        "agency_staff": selectors.agency_staff(agency=agency),
        "event_roles": selectors.agency_event_roles(agency=agency),
        "invitations": selectors.pending_invitations(agency=agency),
        "changes": selectors.agency_changes(agency=agency)[:50],
        "form": form or InvitationForm(agency=agency),
    }
    return render(request, "events/agency_staff.html", context, status=status)


@login_required
def agency_staff(request: HttpRequest, slug: str) -> HttpResponse:
    return _agency_page(request, access.managed_agency(request, slug))


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    form = InvitationForm(request.POST, agency=agency)
    if not form.is_valid():
        return _agency_page(request, agency, form, status=400)
    try:
        invitation = services.invite_staff(
            inviter=access.signed_in(request),
            agency=agency,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            event=form.cleaned_data["event"],
            title=form.cleaned_data["title"],
            legal_field=form.cleaned_data["legal_field"],
            site_url=request.build_absolute_uri("/"),
        )
    except DomainError as error:
        form.add_error("email" if error.code != "invalid_event" else "event", error.message)
        return _agency_page(request, agency, form, status=400)
    flash.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("events:manage:agency", slug=agency.slug)


@login_required
@require_POST
def revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    invitation = get_object_or_404(Invitation, pk=pk, agency=agency)
    try:
        services.revoke_invitation(user=access.signed_in(request), invitation=invitation)
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(
            request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
        )
    return redirect("events:manage:agency", slug=agency.slug)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link sees what it offers; accepting needs the invited address."""
    found = selectors.invitation_for_token(token=token)
    context: dict[str, object] = {"invitation": found, "token": token, "problem": None}
    if found is None:
        context["problem"] = _(
            "This invitation link is not valid. Check that you copied all of it."
        )
        return render(request, "events/invitation.html", context, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        try:
            accepted = services.accept_invitation(user=access.signed_in(request), token=token)
        except DomainError as error:
            context["problem"] = error.message
            return render(request, "events/invitation.html", context, status=400)
        flash.success(
            request,
            _("Welcome: you are now %(role)s of %(place)s.")
            % {
                "role": accepted.get_role_display().lower(),
                "place": accepted.event or accepted.agency,
            },
        )
        if accepted.role == Invitation.Role.ORGANISER:
            return redirect("events:manage:agency", slug=accepted.agency.slug)
        if accepted.event is None:
            # The agency's own moderator or official: to its standing legal Q&A's console.
            standing = selectors.standing_qa(agency=accepted.agency)
            if standing is None:
                return redirect(accepted.agency.get_absolute_url())
            console = "moderation:console"
            if accepted.role == Invitation.Role.OFFICIAL:
                console = "moderation:official"
            return redirect(console, slug=standing.slug)
        return redirect(accepted.event.get_absolute_url())
    if request.user.is_authenticated:
        try:
            services.check_invitation(user=access.signed_in(request), invitation=found)
        except DomainError as error:
            context["problem"] = error.message
    elif found.status != Invitation.Status.PENDING:
        try:
            services.check_invitation_open(invitation=found)
        except DomainError as error:
            context["problem"] = error.message
    return render(request, "events/invitation.html", context)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request, "events/account.html", {"form": DeleteAccountForm(), "now": timezone.now()}
    )


@login_required
def export_data(request: HttpRequest) -> HttpResponse:
    data = selectors.personal_data(user=access.signed_in(request))
    data["exported_at"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="doithoai-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("events:account")
    form = DeleteAccountForm(request.POST)
    if form.is_valid():
        try:
            services.delete_account(
                user=access.signed_in(request), confirmation=form.cleaned_data["confirmation"]
            )
        except DomainError as error:
            form.add_error("confirmation", error.message)
        else:
            logout(request)
            flash.success(
                request,
                _("Your account was deleted. Your questions stay, without your name."),
            )
            return redirect("dialogue:catalogue")
    return render(request, "events/account.html", {"form": form}, status=400)


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "events/privacy.html", {"privacy": settings.PRIVACY})
