"""Forms of the staff and account pages; the services do the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from events.models import MAX_PEOPLE_PER_ADDRESS, Agency, Event, Invitation, User
from events.text import CleanInputMixin


class TextForm(CleanInputMixin, forms.Form):
    """A form whose every field goes through the one cleaner (events/text.py)."""


class InvitationForm(TextForm):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Invitation.Role.choices)
    event = forms.ModelChoiceField(
        label=_("Dialogue"),
        queryset=Event.objects.none(),
        required=False,
        help_text=_(
            "For a moderator or an official: the dialogue they will work on. Leave it empty to "
            "make them the agency's own moderator or official: they serve its legal Q&A with no "
            "further invitation."
        ),
    )
    title = forms.CharField(
        label=_("Title shown (officials)"),
        max_length=120,
        required=False,
        help_text=_("For example: Deputy Director of the Department of Justice."),
    )
    legal_field = forms.ChoiceField(
        label=_("Legal field (the agency's officials)"),
        choices=[("", _("Any field: a moderator routes each question")), *Event.LegalField.choices],
        required=False,
        help_text=_(
            "The legal Q&A's questions of this field are routed to this official as soon as "
            "they are published."
        ),
    )

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = Event.objects.filter(agency=agency).order_by("-starts_at")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("legal_field") and (
            cleaned.get("role") != Invitation.Role.OFFICIAL or cleaned.get("event")
        ):
            self.add_error(
                "legal_field",
                _("Only the agency's own officials have a legal field; leave the dialogue empty."),
            )
        return cleaned


class DeleteAccountForm(TextForm):
    confirmation = forms.CharField(
        label=_("Type your email address to confirm"), max_length=254, strip=True
    )


class DateTimeInput(forms.DateTimeInput):
    """A phone-friendly date and time picker (the browser's own); times are Vietnam time."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class EventForm(TextForm):
    """The organiser's dialogue form; `services.check_event_details` has the last word."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Short link"),
        max_length=90,
        required=False,
        help_text=_("Part of the address, e.g. dat-dai-2025. Empty: made from the title."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    legal_field = forms.ChoiceField(label=_("Legal field"), choices=Event.LegalField.choices)
    topic = forms.CharField(
        label=_("Topic"), max_length=120, required=False, help_text=_("e.g. the 2024 Land Law")
    )
    format = forms.ChoiceField(
        label=_("Held"),
        choices=Event.Format.choices,
        initial=Event.Format.ONLINE,
        help_text=_("Counted in the agency report: online, hybrid or in person."),
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    questions_open_at = forms.DateTimeField(
        label=_("Questions open at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Empty: questions are accepted from the start of the dialogue."),
    )
    intake_closed = forms.BooleanField(label=_("Close questions now"), required=False)
    moderation_mode = forms.ChoiceField(label=_("Moderation"), choices=Event.Moderation.choices)
    allow_anonymous = forms.BooleanField(
        label=_("Citizens may take part with a nickname, without an account"), required=False
    )
    question_max_length = forms.IntegerField(
        label=_("Longest question (characters)"), min_value=50, max_value=2000, initial=500
    )
    written_answer_days = forms.IntegerField(
        label=_("Days to answer in writing"), min_value=1, max_value=90, initial=15
    )
    stream_url = forms.URLField(
        label=_("Live stream"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "A YouTube, Facebook or Vimeo link is shown as a player in the page; any other link "
            "is offered as a link."
        ),
    )
    recording_url = forms.URLField(label=_("Recording"), required=False, assume_scheme="https")
    people_per_address = forms.IntegerField(
        label=_("People behind one internet address"),
        required=False,
        min_value=1,
        max_value=MAX_PEOPLE_PER_ADDRESS,
        help_text=_(
            "For a hall whose citizens share one network (the agency's Wi-Fi): how many may join "
            "from it. Empty: the site's default, enough for 300."
        ),
    )

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not creating:
            # The short link is already shared; it does not change after creation.
            del self.fields["slug"]


class LegalDocumentForm(TextForm):
    title = forms.CharField(label=_("Document title"), max_length=300, required=False)
    number = forms.CharField(
        label=_("Number"), max_length=60, required=False, help_text=_("e.g. 31/2024/QH15")
    )
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")


LegalDocumentFormSet = forms.formset_factory(
    LegalDocumentForm, extra=2, max_num=20, validate_max=True, absolute_max=20
)


class EmbedOriginsForm(TextForm):
    embed_origins = forms.CharField(
        label=_("Sites that may embed the widget"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One origin per line, e.g. https://sotuphap.example.gov.vn."),
    )


class RenameAgencyForm(TextForm):
    name = forms.CharField(label=_("New name"), max_length=200)
    slug = forms.CharField(
        label=_("Short name in links"),
        max_length=80,
        required=False,
        help_text=_(
            "Lower-case letters, digits and hyphens. Links with the old short name keep working."
        ),
    )


class _AgencyChoiceForm(TextForm):
    """A form choosing another agency among those the person organises (set by the view)."""

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.choice_field].queryset = choices  # type: ignore[attr-defined]

    choice_field = ""


class MoveAgencyForm(_AgencyChoiceForm):
    choice_field = "parent"
    parent = forms.ModelChoiceField(
        label=_("New parent agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("None: a top-level agency"),
    )


class MergeAgencyForm(_AgencyChoiceForm):
    choice_field = "into"
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Agency.objects.none())
    confirm = forms.BooleanField(
        label=_(
            "I understand: the dialogues, the standing Q&A, the organisers and the sub-agencies "
            "move to the agency chosen, and this agency's links lead there. It cannot be undone."
        )
    )


class SearchForm(TextForm):
    """A search box with a choice of agency and legal field: the catalogue's and the legal
    Q&A's."""

    q = forms.CharField(label=_("Search questions and answers"), max_length=200, required=False)
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(merged_into__isnull=True).order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All agencies"),
    )
    field = forms.ChoiceField(
        label=_("Legal field"),
        choices=[("", _("All fields")), *Event.LegalField.choices],
        required=False,
    )


class CatalogueFilterForm(SearchForm):
    """The public catalogue's filters and search box, read from the query string."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class LegalQAFilterForm(SearchForm):
    """The legal Q&A page's search box and its choice of legal field and agency (a GET)."""


class SignupConsentForm(forms.Form):
    """What sign-up asks beside allauth's own fields: consent to the personal data notice.

    Not a TextForm: allauth builds its sign-up form on this class, and its email and password
    must be read at sign-up exactly as its sign-in form reads them; this adds only a checkbox.

    allauth calls `signup` once the account exists (ACCOUNT_SIGNUP_FORM_CLASS); the consent is
    recorded with its time and the notice's version.
    """

    consent = forms.BooleanField(
        label=_(
            "I have read the personal data notice and agree to my account data being used "
            "as it describes."
        ),
        error_messages={"required": _("Please accept the personal data notice to sign up.")},
        # Rendered as HTML by templates/allauth/elements/fields.html.
        help_text=format_lazy(
            '<a href="{}">{}</a>',
            reverse_lazy("events:privacy"),
            _("Read the personal data notice"),
        ),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.consented_at = timezone.now()
        user.consent_version = settings.PRIVACY["notice_version"]
        user.save(update_fields=["consented_at", "consent_version"])
