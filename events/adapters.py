"""allauth adapters: staff keep their two-factor authentication once it is on, and setting it
up right after signing in does not ask for the password a second time."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from events.permissions import is_staff_member

# Ways of signing in that prove what a reauthentication would ask for: the password, or a code
# sent to the account's verified address.
SIGN_IN_PROOFS = ("password", "code")


class StaffMFAAdapter(DefaultMFAAdapter):
    """Staff may not turn off their authenticator app; everyone else may."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        return not is_staff_member(authenticator.user)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's, except that a fresh sign-in without a second factor counts as the
    reauthentication that setting up a first authenticator (and seeing its recovery codes)
    asks for.

    allauth asks for the password again before any two-factor page, and counts only a password
    typed on its reauthentication page. A staff member who has just signed in is sent to set up
    two factors (config/access.py) and was asked for the same password twice within a minute.
    Typing it to sign in proves the same thing, so a sign-in whose last step was the password
    or an emailed code, within `ACCOUNT_REAUTHENTICATION_TIMEOUT`, is enough. An account that
    had two factors when it signed in ended its sign-in with them: it is asked again, as before.
    """

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        required: bool = super().is_reauthentication_required(app=app, **kwargs)
        request = context.request
        if not required or app != "allauth.mfa" or request is None:
            return required
        user = request.user
        if not user.is_authenticated:
            return required
        return not signed_in_lately(get_authentication_records(request, user))


def signed_in_lately(records: list[dict[str, Any]]) -> bool:
    """Whether the session's last step of signing in proved the password (or an emailed
    code) within the reauthentication timeout."""
    if not records:
        return False
    last = records[-1]
    fresh = time.time() - float(last.get("at", 0)) < account_settings.REAUTHENTICATION_TIMEOUT
    return last.get("method") in SIGN_IN_PROOFS and fresh
