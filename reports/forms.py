from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.forms import TextForm
from reports.models import RollupSource
from reports.services import PLACE_MAX_LENGTH, SIGNER_NAME_MAX_LENGTH, SIGNER_TITLE_MAX_LENGTH


class IssueForm(TextForm):
    """Issue the agency report for a period (or a correction of an issued one), signed by whom."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    signer_name = forms.CharField(label=_("Signer's name"), max_length=SIGNER_NAME_MAX_LENGTH)
    signer_title = forms.CharField(
        label=_("Signer's title"),
        max_length=SIGNER_TITLE_MAX_LENGTH,
        help_text=_("As printed above the signature, e.g. “Giám đốc” or “Phó Giám đốc”."),
    )
    place = forms.CharField(
        label=_("Place of issue"),
        max_length=PLACE_MAX_LENGTH,
        help_text=_("The place name printed before the date, e.g. “Bắc Ninh”."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The period ends before it starts."))
        return data


class RollupUploadForm(TextForm):
    """A publisher's signed document, as a file, and whose it is."""

    source = forms.ModelChoiceField(label=_("Publisher"), queryset=RollupSource.objects.none())
    document = forms.FileField(label=_("Signed document (.json)"))

    def __init__(self, *args: Any, sources: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources  # type: ignore[attr-defined]
