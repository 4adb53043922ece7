"""Forms of the staff and account pages; the services do the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import Agency, Event, Invitation


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Invitation.Role.choices)
    event = forms.ModelChoiceField(
        label=_("Dialogue"),
        queryset=Event.objects.none(),
        required=False,
        help_text=_("For a moderator or an official: the dialogue they will work on."),
    )
    title = forms.CharField(
        label=_("Title shown (officials)"),
        max_length=120,
        required=False,
        help_text=_("For example: Deputy Director of the Department of Justice."),
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = Event.objects.filter(agency=agency).order_by("-starts_at")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") in (Invitation.Role.MODERATOR, Invitation.Role.OFFICIAL) and not (
            cleaned.get("event")
        ):
            self.add_error("event", _("Choose the dialogue for a moderator or an official."))
        return cleaned


class DeleteAccountForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Type your email address to confirm"), max_length=254, strip=True
    )
