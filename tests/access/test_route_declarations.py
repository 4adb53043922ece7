"""Deny by default: every route is declared public, participant or staff in config/access.py.

The walker goes through Django's URL resolver (allauth's and the admin's patterns included) and
the ASGI application's socket routing. A route that is not declared is found by the walker, by
`manage.py check`, and refused when it is asked for; a staff route needs two factors, with no
second list to keep.
"""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.checks import run_checks
from django.test import Client, override_settings
from django.urls import path, reverse

from config import access
from config.asgi import application
from config.routing import websocket_urlpatterns
from tests.factories import EventFactory, EventRoleFactory, UserFactory, enable_totp
from tests.socket import session_cookie

UNDECLARED_URLS = "tests.access.undeclared_urls"


def test_every_url_and_every_socket_route_of_the_project_is_declared():
    routes = list(access.url_routes())
    sockets = list(access.socket_routes(access.socket_router(application).routes))
    # The walk reaches the libraries' patterns too: allauth's, the admin's and unnamed ones.
    keys = {route.key for route in routes}
    assert {"account_login", "mfa_activate_totp", "admin:index", "api:agency_report"} <= keys
    assert any(key.startswith("admin:/") for key in keys)
    assert len(sockets) == 5  # citizen, moderator, official, stage, draft
    assert access.undeclared(sockets=access.socket_router(application).routes) == []


def test_every_declaration_names_a_route_that_is_served():
    keys = {route.key for route in access.url_routes()}
    for declared in access.URLS:
        if declared.endswith("*"):
            assert any(key.startswith(declared[:-1]) for key in keys), declared
        else:
            assert declared in keys, declared
    served = {str(p.pattern) for p in access.socket_router(application).routes}
    assert set(access.SOCKETS) == served


def test_a_name_is_declared_exactly_before_by_its_longest_prefix():
    table = {"reports:*": access.STAFF, "reports:public_statistics": access.PUBLIC}
    assert access.declared("reports:public_statistics", table) is access.PUBLIC
    assert access.declared("reports:agency", table) is access.STAFF
    assert access.declared("reportsx", table) is None
    assert access.declared("admin:/admin/(?P<url>.*)$") is access.STAFF
    assert access.declared("everything_export") is None


@override_settings(ROOT_URLCONF=UNDECLARED_URLS)
def test_a_new_staff_view_without_a_declaration_is_found_by_the_walker_and_the_check():
    assert access.undeclared() == ["everything_export"]
    errors = [message for message in run_checks() if message.id == "access.E001"]
    assert [error.msg for error in errors] == [
        "The route 'everything_export' is not declared public, participant or staff."
    ]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=UNDECLARED_URLS)
def test_a_new_view_without_a_declaration_is_refused_to_everyone_even_staff_with_two_factors(
    organiser,
):
    enable_totp(organiser)
    for person in (None, organiser):
        client = Client()
        if person is not None:
            client.force_login(person)
        response = client.get("/reports/everything.csv")
        assert response.status_code == 403
        assert b"STT" not in response.content
    # A declared route next to it is served as before.
    assert Client().get(reverse("dialogue:catalogue")).status_code == 200


class Accepting(AsyncWebsocketConsumer):
    """A consumer that forgets every check: it accepts whoever connects."""

    async def connect(self) -> None:
        await self.accept()


def with_extra_socket(route: str) -> Any:
    """The project's socket routing with one more route, behind the same access middleware."""
    from channels.auth import AuthMiddlewareStack

    router = URLRouter([*websocket_urlpatterns, path(route, Accepting.as_asgi())])
    return AuthMiddlewareStack(access.SocketAccessMiddleware(router))


async def connect(app: Any, path_: str, user: Any = None) -> bool:
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if user is not None:
        headers.append((b"cookie", (await session_cookie(user=user)).encode()))
    communicator = WebsocketCommunicator(app, path_, headers=headers)
    accepted, _ = await communicator.connect(timeout=5)
    await communicator.disconnect()
    return accepted


@pytest.mark.django_db(transaction=True)
async def test_a_socket_route_without_a_declaration_is_found_and_refused():
    app = with_extra_socket("ws/everything/")
    router = access.socket_router(app)
    assert access.undeclared(sockets=router.routes) == ["socket ws/everything/"]
    assert await connect(app, "/ws/everything/") is False


@pytest.mark.django_db(transaction=True)
async def test_a_staff_socket_needs_two_factors_even_when_its_consumer_checks_nothing(settings):
    route = "ws/events/<slug:slug>/moderate/"
    app = URLRouter([path(route, Accepting.as_asgi())])
    from channels.auth import AuthMiddlewareStack

    app = AuthMiddlewareStack(access.SocketAccessMiddleware(app))
    event = await sync_to_async(EventFactory)()
    moderator = await sync_to_async(UserFactory)()
    await sync_to_async(EventRoleFactory)(event=event, user=moderator, role="moderator")
    url = f"/ws/events/{event.slug}/moderate/"
    assert await connect(app, url) is False
    assert await connect(app, url, moderator) is False
    await sync_to_async(enable_totp)(moderator)
    assert await connect(app, url, moderator) is True
