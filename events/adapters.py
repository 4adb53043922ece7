"""allauth adapters: staff keep their two-factor authentication once it is on."""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator

from events.permissions import is_staff_member


class StaffMFAAdapter(DefaultMFAAdapter):
    """Staff may not turn off their authenticator app; everyone else may."""

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        return not is_staff_member(authenticator.user)
