"""Staff pages require two-factor authentication; this is the one place that enforces it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from events.permissions import needs_two_factor_setup


def is_staff_page(request: HttpRequest) -> bool:
    """A page in one of the staff URL namespaces (the admin, the organiser pages, consoles)."""
    match = request.resolver_match
    if match is None:
        return False
    return bool(set(match.namespaces) & set(settings.STAFF_URL_NAMESPACES))


class StaffTwoFactorMiddleware:
    """Send a moderator, official, organiser or site staff without TOTP to its setup page.

    Checked on every request to a staff page, so a role given a minute ago is enforced at once.
    Citizens' pages are never in a staff namespace, so citizens never meet this.
    """

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
        if not is_staff_page(request) or not needs_two_factor_setup(request.user):
            return None
        messages.warning(
            request,
            _(
                "Staff accounts must turn on two-factor authentication before using staff "
                "pages. Set up an authenticator app below; it takes a minute."
            ),
        )
        return redirect("mfa_activate_totp")
