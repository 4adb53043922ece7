"""Sign-out reaches open sockets: the next command re-checks the session, and sockets are told.

A socket is opened with the browser's session. When that session ends (sign-out, or the
account is deleted or deactivated), commands that act as the account are refused, and every
socket of the session receives `{"type": "signed_out"}` so the page can say so.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import SESSION_KEY, user_logged_out
from django.contrib.sessions.backends.db import SessionStore
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from dialogue.fanout import broadcast_on_commit
from events.errors import NotAllowed
from events.models import User


def session_group(session_key: str) -> str:
    # A digest, so that the session key itself never travels through the channel layer.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def ensure_signed_in(user: User, session_key: str | None) -> None:
    """Refuse a command made as `user` if the session it came with has ended or changed hands."""
    active = user.is_active and User.objects.filter(pk=user.pk, is_active=True).exists()
    signed_in = bool(session_key) and SessionStore(session_key).get(SESSION_KEY) == str(user.pk)
    if not (active and signed_in):
        raise NotAllowed(_("You have signed out. Sign in again to continue."), code="signed_out")


@receiver(user_logged_out)
def tell_sockets_of_sign_out(
    sender: Any, request: HttpRequest, user: User | None, **kwargs: Any
) -> None:
    session_key = getattr(request.session, "session_key", None)
    if session_key:
        broadcast_on_commit(session_group(session_key), {"type": "signed_out"})
