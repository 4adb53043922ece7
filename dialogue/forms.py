from __future__ import annotations

import uuid
from typing import Any, Literal

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from events.forms import TextForm
from events.models import Event

JOIN_SALT = "dialogue.join"

# What a nickname is taken for: questions in a dialogue, or comments on a draft.
JoinPurpose = Literal["questions", "comments"]


def join_token(event_id: int) -> str:
    """The signed, dated token the event page gives its join form."""
    return signing.TimestampSigner(salt=JOIN_SALT).sign(str(event_id))


class JoinForm(TextForm):
    """A nickname, and the token of the event page it was typed on.

    The token costs a person nothing (the page carries it) and makes a script fetch the page
    for every join; it is not a limit by itself (dialogue/ratelimit.py: `check_join`).
    """

    nickname = forms.CharField(
        label=_("Your nickname"),
        max_length=settings.DIALOGUE["NICKNAME_MAX_LENGTH"],
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        help_text=_("Only to tell you when your question is answered. Never shown to anyone."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Shown in a standing Q&A only (templates/dialogue/_join_fields.html); elsewhere not kept.
    phone = forms.CharField(
        label=_("Phone number (optional)"),
        required=False,
        max_length=20,
        help_text=_("Only to look up your question with its tracking code. Never shown to anyone."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # Shown beside the phone number when the installation's Zalo Official Account is on.
    zalo = forms.BooleanField(
        label=_("Also tell me each step of my question on Zalo, at this number."),
        required=False,
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the personal data notice and agree to my nickname and questions "
            "being used to run this dialogue."
        ),
        error_messages={"required": _("Please accept the personal data notice to take part.")},
    )
    join_token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, event_id: int, purpose: JoinPurpose = "questions", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.event_id = event_id
        self.offers_zalo = bool(settings.ZALO_ZNS_ENABLED)
        # The consent names what the nickname is for on the page it is typed on.
        self.purpose = purpose
        if purpose == "comments":
            self.fields["consent"].label = _(
                "I have read the personal data notice and agree to my nickname and comments "
                "being used in this consultation on the draft."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        signer = signing.TimestampSigner(salt=JOIN_SALT)
        try:
            valid = signer.unsign(
                cleaned.get("join_token") or "", max_age=settings.DIALOGUE["JOIN_TOKEN_SECONDS"]
            ) == str(self.event_id)
        except signing.BadSignature:  # expired tokens too
            valid = False
        if not valid:
            # The page shown with this error carries a fresh token: joining again works.
            self.add_error("nickname", _("This page was open too long. Please press “Join” again."))
        return cleaned


class AskForm(TextForm):
    text = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 3}))
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    anonymous = forms.BooleanField(
        label=_("Ask anonymously (your name is not shown)"), required=False
    )
    # Shown, and required by the service, in a standing Q&A (templates/dialogue/event.html).
    legal_field = forms.ChoiceField(
        label=_("Legal field of your question"),
        choices=[("", "—"), *Event.LegalField.choices],
        required=False,
    )

    def __init__(self, *args: object, max_length: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # No `maxlength`: it would cut a long paste without a word; the page's counter says
        # how much is too much (templates/events/_counter.html), and this validator refuses it.
        self.fields["text"].validators.append(MaxLengthValidator(max_length))


class LookupForm(TextForm):
    """A question's tracking code and the email or phone number its asker gave (a POST)."""

    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    contact = forms.CharField(
        label=_("The email or phone number you gave"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "email"}),
    )
