"""Old links to an agency lead to it: a former short name, or a merged agency's, redirects.

An agency's short name (slug) is in many links: its public page, its calendar, its widget, its
reports and its staff pages. When it is renamed, or merged into another
(events/services/agencies.py), a link with the old name answers a permanent redirect to the
same page under the name it goes by now, the query string kept. Only reading methods are
redirected; a form posted to an old link is refused by its view (a merged agency takes no new
work), so nothing is done to another agency than the one the form was for.

`AGENCY_ROUTES` names every route whose `slug` is an agency's; a test walks the resolver and
finds any route with an agency's slug in its path that is missing here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse

from events.selectors import current_agency_slug

AGENCY_ROUTES = frozenset(
    {
        "events:agency",
        "events:agency_calendar",
        "events:manage:events",
        "events:manage:create_event",
        "events:manage:open_standing_qa",
        "events:manage:event",
        "events:manage:clone_event",
        "events:manage:integration",
        "events:manage:agency",
        "events:manage:invite",
        "events:manage:revoke",
        "events:manage:agency_change",
        "events:manage:rename_agency",
        "events:manage:move_agency",
        "events:manage:merge_agency",
        "moderation:agency_due",
        "consultation_staff:drafts",
        "consultation_staff:create",
        "dialogue:embed_agency",
        "reports:agency",
        "reports:agency_pdf",
        "reports:agency_xlsx",
        "reports:agency_csv",
        "reports:issue",
        "reports:issued_list",
        "reports:issued",
        "reports:issued_pdf",
        "reports:issued_xlsx",
        "reports:issue_correction",
        "reports:public_statistics",
        "api:agency_statistics",
        "api:agency_report",
    }
)

READING = ("GET", "HEAD")


class MovedAgencyMiddleware:
    """Redirects a reading request for an agency's former short name to its current one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        slug = view_kwargs.get("slug")
        if (
            request.method not in READING
            or match is None
            or match.view_name not in AGENCY_ROUTES
            or not isinstance(slug, str)
        ):
            return None
        current = current_agency_slug(slug)
        if current is None or current == slug:
            return None
        url = reverse(match.view_name, args=view_args, kwargs={**view_kwargs, "slug": current})
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
