from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consultation.models import Comment, Reply
from consultation.services import COMMENT_MAX_LENGTH, QUOTE_MAX_LENGTH, REPLY_MAX_LENGTH
from consultation.versions import NOTE_MAX_LENGTH, TEXT_MAX_LENGTH
from events.forms import TextForm
from events.models import Agency, Event

UPLOAD_MAX_BYTES = 1_000_000


class DraftForm(TextForm):
    title = forms.CharField(label=_("Title of the draft"), max_length=300)
    event = forms.ModelChoiceField(
        label=_("Dialogue"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("None: a standing consultation of the agency"),
    )
    closes_at = forms.DateTimeField(
        label=_("Comments close on"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    text = forms.CharField(
        label=_("Text of the draft"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Paste the whole draft. Headings are recognised: “Chương I”, “Mục 1”, “Điều 1.”, "
            "clauses “1.” and points “a)”."
        ),
    )
    upload = forms.FileField(
        label=_("Or upload a text file (.txt, UTF-8)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,text/plain"}),
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = Event.objects.filter(agency=agency).exclude(
            status__in=[Event.Status.ENDED, Event.Status.ARCHIVED]
        )
        self.fields["event"].queryset = events  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        if upload:
            if upload.size > UPLOAD_MAX_BYTES:
                raise ValidationError(_("The file is larger than 1 MB."))
            try:
                uploaded = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise ValidationError(_("The file is not UTF-8 text.")) from error
            # The file's text goes through the text field's own cleaning (the one cleaner,
            # its length, its validators), as pasted text does: never around it.
            try:
                data["text"] = self.fields["text"].clean(uploaded)
            except ValidationError as error:
                self.add_error("upload", error)
                return data
        if not data.get("text", "").strip():
            raise ValidationError(_("Paste the text of the draft or upload a file."))
        return data


class CommentForm(TextForm):
    article = forms.IntegerField(widget=forms.HiddenInput)
    # A select of the article's clauses, written by the template; empty: the whole article.
    clause = forms.IntegerField(required=False, min_value=1)
    # A reply in this comment's thread.
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # A proposal: these words of the article or clause, to be replaced by `wording`.
    quote = forms.CharField(label=_("Words to change"), max_length=QUOTE_MAX_LENGTH, required=False)
    wording = forms.CharField(
        label=_("Proposed wording"), max_length=COMMENT_MAX_LENGTH, required=False
    )
    text = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,  # a proposal may go without a reason; a comment may not (the service)
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(TextForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=Comment.RejectionReason.choices)
    note = forms.CharField(label=_("Note to the commenter"), max_length=300, required=False)


class ReplyForm(TextForm):
    disposition = forms.ChoiceField(label=_("Decision"), choices=Reply.Disposition.choices)
    body = forms.CharField(
        label=_("Response"),
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SummaryForm(TextForm):
    note = forms.CharField(
        label=_("Introduction to the summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VersionForm(TextForm):
    text = forms.CharField(
        label=_("Revised text of the draft"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16}),
    )
    note = forms.CharField(
        label=_("What changed, in a few words"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
