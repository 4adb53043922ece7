"""The admin's form to import a legal document: its facts, and its text pasted or uploaded."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from events.text import refuse_control_characters
from law.models import LegalDocument, LegalField


class ImportDocumentForm(forms.Form):
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
        validators=[refuse_control_characters],
        help_text=_("Paste the whole document, “Điều 1.” to the last article; or upload it."),
    )
    upload = forms.FileField(
        label=_("Or upload a file"),
        required=False,
        help_text=_(".txt, .pdf with a text layer, or .docx"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("text") and not cleaned.get("upload"):
            raise forms.ValidationError(_("Paste the text or upload a file."))
        return cleaned
