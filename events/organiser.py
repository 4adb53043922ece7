"""Organiser pages: an agency's dialogues created, edited, scheduled, copied, run and cancelled.

They sit in the "manage" URL namespace, so staff need two-factor authentication first
(config/access.py). Every write goes through `events.services`. The buttons that start,
end and cancel a dialogue are the lifecycle's own (`moderation/lifecycle.py`), shown by the
`{% lifecycle_buttons %}` tag; events imports nothing of moderation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from events import access, permissions, selectors, services
from events.forms import EmbedOriginsForm, EventForm, LegalDocumentFormSet
from events.models import Agency, Event
from events.public import join_link
from live.errors import DomainError


def _managed_event(request: HttpRequest, slug: str, event_slug: str) -> Event:
    agency = access.managed_agency(request, slug)
    event = get_object_or_404(
        Event.objects.select_related("agency"), slug=event_slug, agency=agency
    )
    if not permissions.can_manage_event(request.user, event):
        raise PermissionDenied
    return event


def _details(form: EventForm, documents: Any) -> services.EventDetails:
    data = form.cleaned_data
    return services.EventDetails(
        title=data["title"],
        description=data["description"],
        legal_field=data["legal_field"],
        topic=data["topic"],
        format=data["format"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        questions_open_at=data["questions_open_at"],
        intake_closed=data["intake_closed"],
        moderation_mode=data["moderation_mode"],
        allow_anonymous=data["allow_anonymous"],
        question_max_length=data["question_max_length"],
        written_answer_days=data["written_answer_days"],
        stream_url=data["stream_url"],
        recording_url=data["recording_url"],
        people_per_address=data["people_per_address"],
        documents=tuple(
            services.LegalDocumentDetails(title=row["title"], number=row["number"], url=row["url"])
            for row in documents.cleaned_data
            if row and not row.get("DELETE") and row.get("title", "").strip()
        ),
    )


_FIELD_OF_CODE = {
    "invalid_title": "title",
    "invalid_legal_field": "legal_field",
    "invalid_format": "format",
    "invalid_moderation_mode": "moderation_mode",
    "invalid_schedule": "ends_at",
    "invalid_intake": "questions_open_at",
    "invalid_question_length": "question_max_length",
    "invalid_answer_days": "written_answer_days",
    "invalid_stream_url": "stream_url",
    "invalid_recording_url": "recording_url",
    "invalid_people_per_address": "people_per_address",
    "slug_taken": "slug",
}


def _add_error(form: EventForm, error: DomainError) -> None:
    name = _FIELD_OF_CODE.get(error.code)
    form.add_error(name if name in form.fields else None, error.message)


@login_required
def agency_events(request: HttpRequest, slug: str) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    context = {
        "agency": agency,
        "events": selectors.agency_events(agency=agency).prefetch_related("roles"),
        "children": agency.children.all(),
        "standing": selectors.standing_qa(agency=agency),
    }
    return render(request, "events/organiser/events.html", context)


@require_POST
@login_required
def open_standing_qa(request: HttpRequest, slug: str) -> HttpResponse:
    """Open the agency's standing legal Q&A, or set its time to answer."""
    agency = access.managed_agency(request, slug)
    try:
        days = int(request.POST.get("answer_days", ""))
    except ValueError:
        days = 0
    try:
        event = services.open_standing_qa(
            actor=access.signed_in(request), agency=agency, answer_days=days
        )
    except DomainError as error:
        flash.error(request, error.message)
    else:
        flash.success(
            request,
            _("The standing legal Q&A is open; questions are due in %(days)d working days.")
            % {"days": event.written_answer_days},
        )
    return redirect("events:manage:events", agency.slug)


@login_required
def create_event(request: HttpRequest, slug: str) -> HttpResponse:
    agency = access.managed_agency(request, slug)
    if request.method != "POST":
        form = EventForm(
            initial={"allow_anonymous": True, "moderation_mode": "pre", "format": "online"}
        )
        documents = LegalDocumentFormSet(prefix="documents")
        return _edit_page(request, agency, None, form, documents)
    form = EventForm(request.POST)
    documents = LegalDocumentFormSet(request.POST, prefix="documents")
    if form.is_valid() and documents.is_valid():
        try:
            event = services.create_event(
                actor=access.signed_in(request),
                agency=agency,
                details=_details(form, documents),
                slug=form.cleaned_data.get("slug") or "",
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            flash.success(
                request,
                _(
                    "The dialogue “%(title)s” was created as a draft. Publish the schedule when it "
                    "is ready."
                )
                % {"title": event.title},
            )
            return redirect("events:manage:event", slug=agency.slug, event=event.slug)
    return _edit_page(request, agency, None, form, documents, status=400)


def _edit_page(
    request: HttpRequest,
    agency: Agency,
    event: Event | None,
    form: EventForm,
    documents: Any,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "agency": agency,
        "event": event,
        "form": form,
        "documents": documents,
    }
    if event is not None:
        context["staff"] = event.roles.select_related("user").order_by("role")
        context["join"] = join_link(request, event)
        context["calendar_url"] = request.build_absolute_uri(
            reverse("events:event_calendar", args=[event.slug])
        )
    return render(request, "events/organiser/event_form.html", context, status=status)


@login_required
def edit_event(request: HttpRequest, slug: str, event: str) -> HttpResponse:
    found = _managed_event(request, slug, event)
    if request.method != "POST":
        details = services.event_details(found)
        initial = {name: getattr(details, name) for name in services.EVENT_FIELDS}
        form = EventForm(initial=initial, creating=False)
        documents = LegalDocumentFormSet(
            prefix="documents",
            initial=[
                {"title": d.title, "number": d.number, "url": d.url} for d in details.documents
            ],
        )
        return _edit_page(request, found.agency, found, form, documents)
    form = EventForm(request.POST, creating=False)
    documents = LegalDocumentFormSet(request.POST, prefix="documents")
    if form.is_valid() and documents.is_valid():
        try:
            services.update_event(
                actor=access.signed_in(request), event=found, details=_details(form, documents)
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            flash.success(request, _("The dialogue was saved."))
            return redirect("events:manage:event", slug=found.agency.slug, event=found.slug)
    return _edit_page(request, found.agency, found, form, documents, status=400)


@login_required
@require_POST
def clone_event(request: HttpRequest, slug: str, event: str) -> HttpResponse:
    found = _managed_event(request, slug, event)
    try:
        copy = services.clone_event(actor=access.signed_in(request), event=found)
    except DomainError as error:
        flash.error(request, error.message)
        return redirect("events:manage:event", slug=found.agency.slug, event=found.slug)
    flash.success(
        request, _("A copy was made as a draft, a week later. Check its date and details.")
    )
    return redirect("events:manage:event", slug=copy.agency.slug, event=copy.slug)


@login_required
def integration(request: HttpRequest, slug: str) -> HttpResponse:
    """Feeds, calendar, API and the embeddable widget, and which sites may frame it."""
    agency = access.managed_agency(request, slug)
    status = 200
    if request.method == "POST":
        form = EmbedOriginsForm(request.POST)
        if form.is_valid():
            try:
                services.set_embed_origins(
                    actor=access.signed_in(request),
                    agency=agency,
                    origins=form.cleaned_data["embed_origins"],
                )
            except DomainError as error:
                form.add_error("embed_origins", error.message)
            else:
                flash.success(request, _("The list of sites was saved."))
                return redirect("events:manage:integration", slug=agency.slug)
        status = 400
    else:
        form = EmbedOriginsForm(initial={"embed_origins": agency.embed_origins})
    absolute = request.build_absolute_uri
    context = {
        "agency": agency,
        "form": form,
        "calendar_url": absolute(reverse("events:agency_calendar", args=[agency.slug])),
        "widget_url": absolute(f"/embed/a/{agency.slug}/"),
        "feed_url": absolute(f"/answers.atom?agency={agency.slug}"),
        "api_url": absolute("/api/openapi.json"),
    }
    return render(request, "events/organiser/integration.html", context, status=status)
