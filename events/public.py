"""Public pages of the events app: an agency's page, the iCalendar feeds, joining by code."""

from __future__ import annotations

from datetime import datetime

import icalendar
import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from events import selectors
from events.models import Agency, Event, normalise_join_code

CALENDAR_LIMIT = 200


def agency_page(request: HttpRequest, slug: str) -> HttpResponse:
    """An agency, the agencies under it, and their public dialogues."""
    agency = get_object_or_404(Agency.objects.select_related("parent"), slug=slug)
    context = {
        "agency": agency,
        "children": agency.children.order_by("name"),
        "groups": selectors.agency_dialogues(agency=agency),
        "standing": selectors.standing_qa(agency=agency),
    }
    return render(request, "events/agency.html", context)


def _vevent(event: Event, request: HttpRequest, stamp: datetime) -> icalendar.Event:
    entry = icalendar.Event()
    # Stable across edits, so calendars update the entry instead of adding another.
    entry.add("uid", f"event-{event.pk}@{request.get_host().split(':')[0]}")
    entry.add("dtstamp", stamp)
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.title)
    url = request.build_absolute_uri(event.get_absolute_url())
    entry.add("url", url)
    entry.add("description", f"{event.description}\n\n{url}".strip())
    entry.add("location", url)
    entry.add(
        "organizer", f"mailto:{settings.DEFAULT_FROM_EMAIL}", parameters={"cn": event.agency.name}
    )
    status = "CONFIRMED" if event.status != Event.Status.DRAFT else "TENTATIVE"
    entry.add("status", status)
    entry.add("last-modified", stamp)
    return entry


def _calendar(name: str, events: list[Event], request: HttpRequest) -> HttpResponse:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Doi thoai chinh sach - phap luat//doithoai//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for event in events:
        calendar.add_component(_vevent(event, request, stamp))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def agency_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The agency's public dialogues (and its sub-agencies') as an iCalendar feed."""
    agency = get_object_or_404(Agency, slug=slug)
    events = list(selectors.published_events(agency=agency).order_by("-starts_at")[:CALENDAR_LIMIT])
    return _calendar(agency.name, events, request)


def event_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """One public dialogue as an iCalendar file, to add to a phone's calendar."""
    event = get_object_or_404(Event.objects.select_related("agency"), slug=slug)
    if not event.is_public:
        raise Http404
    response = _calendar(event.title, [event], request)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return response


def join_link(request: HttpRequest, event: Event) -> dict[str, str]:
    """The dialogue's join code, its short link and the link as a QR code (an SVG data URI)."""
    url = request.build_absolute_uri(reverse("events:join_code", args=[event.join_code]))
    qr = segno.make(url, error="m").svg_data_uri(dark="#000", light="#fff", border=2, scale=6)
    return {"code": event.join_code, "url": url, "short": url.split("://", 1)[-1], "qr": qr}


def _public_event_by_code(code: str) -> Event | None:
    code = normalise_join_code(code)
    if not code:
        return None
    return Event.objects.exclude(status=Event.Status.DRAFT).filter(join_code=code).first()


def join_code(request: HttpRequest, code: str) -> HttpResponse:
    """The short link of a dialogue (/j/ABC234/), typed or scanned: on to its page."""
    event = _public_event_by_code(code)
    if event is None:
        raise Http404
    return redirect(event.get_absolute_url())


def join_by_code(request: HttpRequest) -> HttpResponse:
    """The home page's "join by code" box: on to the dialogue, or the box again with an error."""
    typed = request.GET.get("code", "")[:40]
    event = _public_event_by_code(typed)
    if event is not None:
        return redirect(event.get_absolute_url())
    error = (
        _("No dialogue has the code “%(code)s”. Check it and try again.") % {"code": typed}
        if typed.strip()
        else _("Type the code shown on the screen or the invitation.")
    )
    context = {"code": typed, "error": error}
    return render(request, "events/join_code.html", context, status=404 if typed.strip() else 400)
