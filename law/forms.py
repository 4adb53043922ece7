"""The library's forms: its search box, and the admin's import of a legal document (its facts,
and its text pasted or uploaded). Both go through the one cleaner (events/text.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.forms import TextForm
from law.models import LegalDocument, LegalField
from law.readers import text_of_upload
from law.selectors import SEARCH_MAX_LENGTH
from law.services import TEXT_MAX_LENGTH
from live.errors import InvalidMessage


class LibrarySearchForm(TextForm):
    """What a person types to search the law: normalised, and refused if it holds a control
    character, as a question is."""

    q = forms.CharField(max_length=SEARCH_MAX_LENGTH, required=False)


class ImportDocumentForm(TextForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    number = forms.CharField(label=_("Number"), max_length=60, required=False)
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False)
    effective_on = forms.DateField(label=_("In force from"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=LegalDocument.Status.choices, initial="in_force"
    )
    legal_field = forms.ChoiceField(
        label=_("Legal field"), choices=LegalField.choices, initial=LegalField.OTHER
    )
    source = forms.CharField(label=_("Source of the text"), max_length=500, required=False)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 20}),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text=_("Paste the whole document, “Điều 1.” to the last article; or upload it."),
    )
    upload = forms.FileField(
        label=_("Or upload a file"),
        required=False,
        help_text=_(".txt, .pdf with a text layer, or .docx"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("upload")
        if upload:
            try:
                uploaded = text_of_upload(upload.name or "", upload.read())
            except InvalidMessage as error:
                self.add_error("upload", str(error))
                return cleaned
            # The file's text goes through the text field's own cleaning (the one cleaner, its
            # length), as pasted text does: never around it.
            try:
                cleaned["text"] = self.fields["text"].clean(uploaded)
            except ValidationError as error:
                self.add_error("upload", error)
                return cleaned
        if not cleaned.get("text"):
            raise forms.ValidationError(_("Paste the text or upload a file."))
        return cleaned
