"""Sign-out and lost rights reach open sockets: commands re-check, and sockets are closed.

A socket is opened with the browser's session. When that session ends (sign-out), every socket
of the session is told (`{"type": "signed_out"}`) and closed with 4001. When the account
changes (deactivated, password changed: the session's auth hash no longer matches), its sockets
check their rights again at once and close if they are gone (live/sockets.py). Commands that act
as the account are refused in any case (`ensure_signed_in`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, user_logged_out
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from dialogue.frames import SignedOut
from events.models import User
from live.broadcast import control_on_commit
from live.errors import NotAllowed
from live.groups import session_group, user_group
from live.sockets import ACCESS_ENDED
from live.wire import build

__all__ = ["ensure_signed_in", "is_signed_in", "session_group", "user_group"]


def is_signed_in(user: Any, session_key: str | None) -> bool:
    """Whether `session_key` is still a live session of this active account, password unchanged."""
    if not session_key or not user.is_authenticated:
        return False
    current = User.objects.filter(pk=user.pk, is_active=True).first()
    if current is None:
        return False
    session = SessionStore(session_key)
    if session.get(SESSION_KEY) != str(current.pk):
        return False
    # Django's own rule: a changed password changes the hash and ends the other sessions.
    stored = session.get(HASH_SESSION_KEY)
    return stored is None or constant_time_compare(stored, current.get_session_auth_hash())


def ensure_signed_in(user: User, session_key: str | None) -> None:
    """Refuse a command made as `user` if the session it came with has ended or changed hands."""
    if not (user.is_active and is_signed_in(user, session_key)):
        raise NotAllowed(_("You have signed out. Sign in again to continue."), code="signed_out")


@receiver(user_logged_out)
def close_sockets_of_ended_session(
    sender: Any, request: HttpRequest, user: User | None, **kwargs: Any
) -> None:
    session_key = getattr(request.session, "session_key", None)
    if session_key:
        control_on_commit(session_group(session_key), "close", build(SignedOut), code=ACCESS_ENDED)


@receiver(post_delete, sender=Session)
def close_sockets_of_deleted_session(sender: Any, instance: Session, **kwargs: Any) -> None:
    # Sessions ended from elsewhere: the admin, "sign out everywhere", a password reset.
    control_on_commit(
        session_group(instance.session_key), "close", build(SignedOut), code=ACCESS_ENDED
    )


@receiver(post_save, sender=User)
def recheck_sockets_of_changed_account(sender: Any, instance: User, **kwargs: Any) -> None:
    # Deactivated, password changed, staff rights changed: each open socket of the account
    # checks again whether it could open now, and closes if not.
    control_on_commit(user_group(instance.pk), "recheck")
