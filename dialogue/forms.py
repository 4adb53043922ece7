from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from events.forms import TextForm


class JoinForm(TextForm):
    nickname = forms.CharField(
        label=_("Your nickname"),
        max_length=settings.DIALOGUE["NICKNAME_MAX_LENGTH"],
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class AskForm(TextForm):
    text = forms.CharField(label=_("Your question"), widget=forms.Textarea(attrs={"rows": 3}))
    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    anonymous = forms.BooleanField(
        label=_("Ask anonymously (your name is not shown)"), required=False
    )

    def __init__(self, *args: object, max_length: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["text"].widget.attrs.update(
            {"maxlength": str(max_length), "data-counter": "true"}
        )
        self.fields["text"].validators.append(MaxLengthValidator(max_length))
