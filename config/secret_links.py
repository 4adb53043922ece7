"""Pages whose address is a secret link (`events/secret_paths.py`) never pass it on.

A page whose path carries a secret (an asker's private link, the stage screen, an invitation,
allauth's keys) is sent with `Referrer-Policy: no-referrer`, so following any of its links,
loading any of its images or scripts, sends no `Referer` with the secret in it, to another site
or to this one. The template knows it too (`request.carries_secret`): its forms then carry
their `next` in their address.

A browser sends `Origin: null` with a form posted from such a page, which Django's CSRF check
refuses as a foreign origin. For a POST whose address carries a secret link (the erase and renew
forms of the private page, accepting an invitation, a password reset, and the language and
sign-out forms of those pages with their `next`), `Origin: null` is accepted here and the CSRF
token is still checked, as Django checks it: the forging site must know both the CSRF token
and the secret of the link. Every other request goes through Django's own check unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from events.secret_paths import carries_secret


class SecretLinkMiddleware:
    """`Referrer-Policy: no-referrer` on every response to a path that carries a secret."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        secret = carries_secret(request.path)
        request.carries_secret = secret  # type: ignore[attr-defined]
        response = self.get_response(request)
        if secret:
            # Set before SecurityMiddleware's default (same-origin), which does not replace it.
            response["Referrer-Policy"] = "no-referrer"
        return response


class _NullOriginAccepted(CsrfViewMiddleware):
    """Django's CSRF check, with the origin `null` of a page sent without a referrer."""

    def _origin_verified(self, request: HttpRequest) -> bool:
        return True  # Only asked for `Origin: null` on an address with a secret link.


class SecretLinkCsrfMiddleware:
    """Before Django's CsrfViewMiddleware: a POST from a page that carries a secret link.

    The token is checked by Django's own code; a request it accepts is marked done, and
    Django's middleware, which stays in place for every other request, lets it through.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.checker = _NullOriginAccepted(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if request.META.get("HTTP_ORIGIN") != "null":
            return None
        if not carries_secret(request.get_full_path()):
            return None
        return self.checker.process_view(request, view_func, view_args, view_kwargs)
