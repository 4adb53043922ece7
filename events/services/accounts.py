"""A person's own account: deleting it, with what the other apps keep or anonymise."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.translation import gettext as _

from events.models import (
    Invitation,
    User,
)
from events.signals import account_deleting
from live.errors import InvalidMessage, NotAllowed


def delete_account(*, user: User, confirmation: str) -> None:
    """Delete the account; its questions and votes stay, anonymised, under no name."""
    if confirmation.strip().casefold() != user.email.casefold():
        raise InvalidMessage(
            _("Type your email address exactly as shown to confirm."), code="confirmation"
        )
    if user.is_superuser:
        raise NotAllowed(
            _("A site administrator's account is deleted by another administrator."),
            code="site_admin",
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        emails = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
        account_deleting.send(sender=User, user=user)
        # Invitations name the person by address; they go with the account.
        for email in {user.email, *emails}:
            Invitation.objects.filter(email__iexact=email).delete()
        user.delete()
