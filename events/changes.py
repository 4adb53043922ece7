"""Staff pages of an agency's changes: rename it, move it under another parent, merge it.

They sit in the "manage" URL namespace (config/access.py: staff, so two factors). The page
shows the three forms and the agency's history of changes; each form posts to its own URL and
every write goes through `events/services/agencies.py`, which checks who may make it
(docs/security.md, "Agency changes").
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import access, permissions, selectors
from events.forms import MergeAgencyForm, MoveAgencyForm, RenameAgencyForm
from events.models import Agency, User
from events.services import agencies as services
from live.errors import DomainError


def _elsewhere(user: User, agency: Agency) -> QuerySet[Agency]:
    """The agencies this person organises, but the agency and those below it."""
    below = selectors.agency_family(agency=agency)
    return selectors.managed_agencies(user=user).exclude(pk__in=below).order_by("name")


def _page(request: HttpRequest, agency: Agency, status: int = 200, **forms: Any) -> HttpResponse:
    user = access.signed_in(request)
    choices = _elsewhere(user, agency)
    context = {
        "agency": agency,
        "rename_form": forms.get("rename_form")
        or RenameAgencyForm(initial={"name": agency.name, "slug": agency.slug}),
        "move_form": forms.get("move_form")
        or MoveAgencyForm(choices=choices, initial={"parent": agency.parent_id}),
        "merge_form": forms.get("merge_form") or MergeAgencyForm(choices=choices),
        "may_rename": permissions.can_rename_agency(user, agency),
        "changes": selectors.agency_changes(agency=agency)[:50],
    }
    return render(request, "events/organiser/agency_change.html", context, status=status)


@login_required
def agency_change(request: HttpRequest, slug: str) -> HttpResponse:
    """The agency's name, place and merges: the forms, and what was changed before."""
    return _page(request, access.managed_agency(request, slug))


def _refused(form: Any, error: DomainError, field: str) -> None:
    form.add_error(field if error.code in ("invalid_slug", "slug_taken") else None, error.message)


@login_required
@require_POST
def rename_agency(request: HttpRequest, slug: str) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    form = RenameAgencyForm(request.POST)
    if form.is_valid():
        try:
            agency = services.rename_agency(
                actor=access.signed_in(request),
                agency=agency,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
            )
        except DomainError as error:
            _refused(form, error, "slug")
        else:
            flash.success(request, _("The agency is now named “%(name)s”.") % {"name": agency})
            return redirect("events:manage:agency_change", slug=agency.slug)
    return _page(request, agency, status=400, rename_form=form)


@login_required
@require_POST
def move_agency(request: HttpRequest, slug: str) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    user = access.signed_in(request)
    form = MoveAgencyForm(request.POST, choices=_elsewhere(user, agency))
    if form.is_valid():
        parent = form.cleaned_data["parent"]
        try:
            services.move_agency(actor=user, agency=agency, parent=parent)
        except DomainError as error:
            form.add_error("parent", error.message)
        else:
            flash.success(
                request,
                _("%(agency)s is now under %(parent)s.") % {"agency": agency, "parent": parent}
                if parent is not None
                else _("%(agency)s is now a top-level agency.") % {"agency": agency},
            )
            return redirect("events:manage:agency_change", slug=agency.slug)
    return _page(request, agency, status=400, move_form=form)


@login_required
@require_POST
def merge_agency(request: HttpRequest, slug: str) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    user = access.signed_in(request)
    form = MergeAgencyForm(request.POST, choices=_elsewhere(user, agency))
    if form.is_valid():
        into = form.cleaned_data["into"]
        try:
            services.merge_agencies(actor=user, agency=agency, into=into)
        except DomainError as error:
            form.add_error("into", error.message)
        else:
            flash.success(
                request,
                _("%(agency)s was merged into %(into)s.") % {"agency": agency, "into": into},
            )
            return redirect("events:manage:agency_change", slug=into.slug)
    return _page(request, agency, status=400, merge_form=form)
