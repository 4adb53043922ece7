"""Who may reach each route: every URL and every socket path is declared here, once.

Each route is **public** (anyone, without an account), **participant** (someone taking part:
a participant of the dialogue, a signed-in account on its own pages, or the holder of a private
link; the view checks which) or **staff** (moderators, officials, organisers, site staff).

Nothing else is served. A route that is not declared is refused (403) and logged, `manage.py
check` fails on it, and `tests/access/test_route_declarations.py` walks Django's URL resolver
and the ASGI routing to find it. A staff route needs an account with two-factor authentication: the
middleware below sends a staff member without it to its setup (an API gets 403) before any
staff route's view runs, and sends an anonymous visitor to sign in; the socket middleware
refuses a staff socket to both. There is no separate list of two-factor pages to keep up.

A URL is declared by its name with its namespaces (`reports:agency`), or by a prefix ending in
`*` (`admin:*`: every page of the admin); an exact name wins over a prefix, and a longer prefix
over a shorter. A URL without a name is declared by its namespaces and its route
(`admin:/admin/(?P<url>.*)$`), so a prefix covers it too. A socket path is declared by its route.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.translation import gettext as _

from events.permissions import needs_two_factor_setup
from live import threads

log = structlog.get_logger("doithoai.access")

# The session key of the staff page a staff member asked for before setting up two factors.
SETUP_DESTINATION = "two_factor_setup_destination"


class Access(enum.StrEnum):
    PUBLIC = "public"
    PARTICIPANT = "participant"
    STAFF = "staff"


PUBLIC, PARTICIPANT, STAFF = Access.PUBLIC, Access.PARTICIPANT, Access.STAFF

URLS: dict[str, Access] = {
    # Operations: the same for everyone (the views keep /metrics to their own addresses).
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "metrics": PUBLIC,
    # allauth: sign-up, sign-in, codes, passwords, email, two-factor setup; it guards itself.
    "account_*": PUBLIC,
    "mfa_*": PUBLIC,
    "socialaccount_*": PUBLIC,
    "openid_connect_*": PUBLIC,
    "/accounts/*": PUBLIC,  # its unnamed redirects
    "set_language": PUBLIC,
    "guides:index": PUBLIC,
    "guides:organiser": PUBLIC,
    "guides:moderator": PUBLIC,
    "guides:official": PUBLIC,
    "guides:checklist": PUBLIC,
    # The public site.
    # The legal library: public law, read by anyone; its search box is a POST.
    "law:library": PUBLIC,
    "law:document": PUBLIC,
    "law:article": PUBLIC,
    "dialogue:catalogue": PUBLIC,
    "dialogue:legal_qa": PUBLIC,
    # Anyone with a tracking code and the asker's email or phone (rate-limited, a POST).
    "dialogue:lookup": PUBLIC,
    "dialogue:event": PUBLIC,
    "dialogue:join": PUBLIC,
    "dialogue:archive": PUBLIC,
    "dialogue:answers_feed": PUBLIC,
    "dialogue:embed_agency": PUBLIC,
    "dialogue:embed_event": PUBLIC,
    "dialogue:manifest": PUBLIC,
    "dialogue:service_worker": PUBLIC,
    "events:privacy": PUBLIC,
    "events:agency": PUBLIC,
    "events:agency_calendar": PUBLIC,
    "events:event_calendar": PUBLIC,
    "events:join_code": PUBLIC,
    "events:join_by_code": PUBLIC,
    "reports:public_statistics": PUBLIC,
    # The roll-up's signed document: for other installations, guarded by its own token
    # (reports/rollup/views.py), as the stage screen is by its link.
    "reports:rollup_feed": PUBLIC,
    "consultation:draft": PUBLIC,
    "consultation:join": PUBLIC,
    "consultation:version": PUBLIC,
    "consultation:comments": PUBLIC,
    "consultation:summary": PUBLIC,
    "consultation:summary_csv": PUBLIC,
    "consultation:summary_xlsx": PUBLIC,
    # The stage screen: whoever holds its secret link, with or without an account.
    "stage:screen": PUBLIC,
    "stage:cloud": PUBLIC,
    "api:index": PUBLIC,
    "api:api-root": PUBLIC,
    "api:openapi-json": PUBLIC,
    "api:events": PUBLIC,
    "api:event": PUBLIC,
    "api:event_questions": PUBLIC,
    "api:answers": PUBLIC,
    "api:agency_statistics": PUBLIC,
    # Taking part: a participant of the dialogue, an account, or the holder of a private link.
    "dialogue:ask": PARTICIPANT,
    "dialogue:receipt": PARTICIPANT,
    "dialogue:vote": PARTICIPANT,
    "dialogue:poll_answer": PARTICIPANT,
    "dialogue:rate": PARTICIPANT,
    "dialogue:similar": PARTICIPANT,
    "dialogue:mine": PARTICIPANT,
    "dialogue:renew_link": PARTICIPANT,
    "dialogue:push": PARTICIPANT,
    "erasure:erase": PARTICIPANT,
    "consultation:comment": PARTICIPANT,
    "consultation:support": PARTICIPANT,
    "consultation:withdraw_support": PARTICIPANT,
    "events:invitation": PARTICIPANT,
    "events:account": PARTICIPANT,
    "events:export_data": PARTICIPANT,
    "events:delete_account": PARTICIPANT,
    # Staff: two factors, always.
    "admin:*": STAFF,
    # The admin's doors: its sign-in sends to allauth's (which asks staff for their second
    # factor), its sign-out is allauth's too.
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
    "events:manage:*": STAFF,
    # An agency renamed, moved or merged (events/changes.py): named here one by one, as the
    # changes that rewrite the agencies' tree.
    "events:manage:agency_change": STAFF,
    "events:manage:rename_agency": STAFF,
    "events:manage:move_agency": STAFF,
    "events:manage:merge_agency": STAFF,
    "moderation:*": STAFF,
    "consultation_staff:*": STAFF,
    "reports:*": STAFF,
    "api:agency_report": STAFF,
    "api:event_report": STAFF,
}

SOCKETS: dict[str, Access] = {
    # Anyone reads the live dialogue; its commands are a participant's.
    "ws/events/<slug:slug>/": PARTICIPANT,
    "ws/events/<slug:slug>/moderate/": STAFF,
    "ws/events/<slug:slug>/official/": STAFF,
    # The stage screen's socket, by its secret link.
    "ws/stage/<slug:token>/": PUBLIC,
    "ws/consultation/<int:pk>/": PUBLIC,
}


def declared(key: str, declarations: dict[str, Access] | None = None) -> Access | None:
    """The class of the URL `key` (a name with namespaces, or an unnamed route), or None."""
    table = URLS if declarations is None else declarations
    if key in table:
        return table[key]
    prefixes = [p for p in table if p.endswith("*") and key.startswith(p[:-1])]
    return table[max(prefixes, key=len)] if prefixes else None


def _join(route: str, inner: str) -> str:
    # As Django joins a resolver's route and its pattern's (ResolverMatch.route).
    return route + (inner[1:] if inner.startswith("^") else inner)


def url_key(namespaces: Sequence[str], name: str | None, route: str) -> str:
    """How a URL is declared: `ns:name`, or `ns:/route` for a URL without a name."""
    prefix = "".join(f"{ns}:" for ns in namespaces if ns)
    return f"{prefix}{name}" if name else f"{prefix}/{route}"


@dataclass(frozen=True)
class Route:
    key: str
    route: str
    access: Access | None


def url_routes(urlconf: str | None = None) -> Iterator[Route]:
    """Every URL pattern the project serves, however deep, with its declared class."""

    def walk(patterns: Sequence[Any], namespaces: tuple[str, ...], route: str) -> Iterator[Route]:
        for pattern in patterns:
            here = _join(route, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                yield from walk(pattern.url_patterns, inner, here)
            elif isinstance(pattern, URLPattern):
                key = url_key(namespaces, pattern.name, here)
                yield Route(key=key, route=here, access=declared(key))

    yield from walk(get_resolver(urlconf).url_patterns, (), "")


def socket_router(application: Any) -> Any:
    """The URLRouter inside the ASGI application's websocket stack (its middleware unwrapped)."""
    from channels.routing import ProtocolTypeRouter, URLRouter

    app = application
    if isinstance(app, ProtocolTypeRouter):
        app = app.application_mapping["websocket"]
    for _depth in range(16):
        if isinstance(app, URLRouter):
            return app
        app = next(
            getattr(app, name) for name in ("app", "inner", "application") if hasattr(app, name)
        )
    raise LookupError("no URLRouter in the websocket stack")


def socket_routes(patterns: Sequence[Any]) -> Iterator[Route]:
    """Every socket route among `patterns` (a URLRouter's), with its declared class."""
    for pattern in patterns:
        route = str(pattern.pattern)
        yield Route(key=route, route=route, access=SOCKETS.get(route))


def undeclared(urlconf: str | None = None, sockets: Sequence[Any] = ()) -> list[str]:
    """The routes that are served without a declaration: what must be declared above."""
    found = [route.key for route in url_routes(urlconf) if route.access is None]
    found += [f"socket {r.key}" for r in socket_routes(sockets) if r.access is None]
    return found


def request_access(request: HttpRequest) -> Access | None:
    """The declared class of the URL this request resolved to."""
    match = request.resolver_match
    if match is None:
        return None
    return declared(url_key(match.namespaces, match.url_name, match.route))


class AccessMiddleware:
    """Refuses undeclared routes; staff routes need an account with two factors.

    Checked on every request, so a role given a minute ago is enforced at once. The view still
    decides who among the signed-in staff may see what (`events/permissions.py`).
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
        access = request_access(request)
        if access is None:
            match = request.resolver_match
            log.error("route_not_declared", view=match.view_name if match else None)
            raise PermissionDenied
        if access is not STAFF:
            return None
        is_api = "api" in (request.resolver_match.namespaces if request.resolver_match else [])
        if not request.user.is_authenticated:
            if is_api:
                return JsonResponse({"detail": "not_allowed"}, status=403)
            return redirect_to_login(request.get_full_path())
        if not needs_two_factor_setup(request.user):
            # Arrived, with two factors: the page asked for before their setup is reached.
            if SETUP_DESTINATION in request.session:
                del request.session[SETUP_DESTINATION]
            return None
        if is_api:
            return JsonResponse({"detail": "two_factor_required"}, status=403)
        if request.method == "GET":
            # The setup ends on the recovery codes, which lead on to this page
            # (templates/mfa/recovery_codes/index.html).
            request.session[SETUP_DESTINATION] = request.get_full_path()
        messages.warning(
            request,
            _(
                "Staff accounts must turn on two-factor authentication before using staff "
                "pages. Set up an authenticator app below; it takes a minute."
            ),
        )
        return redirect("mfa_activate_totp")


def _staff_socket_allowed(user: Any) -> bool:
    return bool(user.is_authenticated) and not needs_two_factor_setup(user)


class SocketAccessMiddleware:
    """The same for sockets: an undeclared path is refused, and a staff socket needs an account
    with two factors, before any consumer runs."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.routes = list(inner.routes)

    def access(self, path: str) -> Access | None:
        path = path.lstrip("/")
        for pattern in self.routes:
            if pattern.pattern.match(path):
                return SOCKETS.get(str(pattern.pattern))
        return None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket":
            access = self.access(scope["path"])
            allowed = access is not None and (
                access is not STAFF or await threads.read(_staff_socket_allowed)(scope["user"])
            )
            if not allowed:
                if access is None:
                    log.error("socket_route_not_declared", path=scope["path"])
                from channels.security.websocket import WebsocketDenier

                return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)


@register(Tags.security)
def check_every_route_is_declared(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """`manage.py check`: every URL and socket route has a declaration above."""
    from config.routing import websocket_urlpatterns

    return [
        Error(
            f"The route {key!r} is not declared public, participant or staff.",
            hint="Declare it in config/access.py.",
            id="access.E001",
        )
        for key in undeclared(sockets=websocket_urlpatterns)
    ]
