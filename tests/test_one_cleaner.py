"""One cleaner for every input (events/text.py): forms, uploads, services, API bodies, frames.

The same text gets the same treatment wherever it comes in: NFC, one kind of line break, no
invisible formatting characters, a control character refused, the length counted after. Every
number and date a form takes is bounded.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from django import forms

from consultation.forms import CommentForm, DraftForm
from dialogue import messages
from dialogue.forms import AskForm
from events import text
from events.forms import CatalogueFilterForm, SignupConsentForm
from live.errors import InvalidMessage
from reports.forms import IssueForm

APPS = ["config", "events", "law", "dialogue", "moderation", "consultation", "reports", "erasure"]
# allauth builds its sign-up form on this one; it adds a checkbox only (events/forms.py).
ALLAUTH_S = {SignupConsentForm}


def project_forms() -> set[type[forms.BaseForm]]:
    found: set[type[forms.BaseForm]] = set()
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if module.name.endswith(("forms", "views", "organiser", "public", "admin")):
                loaded = importlib.import_module(module.name)
                for _name, value in inspect.getmembers(loaded, inspect.isclass):
                    if issubclass(value, forms.BaseForm) and value.__module__ == module.name:
                        found.add(value)
    return found


def test_every_form_of_the_site_goes_through_the_one_cleaner():
    every = project_forms()
    assert {AskForm, DraftForm, IssueForm, CommentForm} <= every
    assert {f for f in every if not issubclass(f, text.CleanInputMixin)} == ALLAUTH_S


def test_sockets_and_forms_refuse_the_same_characters():
    assert messages.has_control_characters is text.has_control_characters


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("đa\u0302\u0301t", "đất"),  # NFC
        ("a\r\nb\rc", "a\nb\nc"),
        ("Hỏi\u200b \u202eđất\ufeff", "Hỏi đất"),
        ("  nhiều     khoảng   trắng ", "nhiều khoảng trắng"),
    ],
)
def test_the_cleaner_normalises(typed, cleaned):
    assert text.clean_text(typed, max_length=100, field="câu hỏi") == cleaned


@pytest.mark.parametrize("typed", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"])
def test_the_cleaner_refuses_control_characters_in_a_service_and_in_a_form(typed):
    with pytest.raises(InvalidMessage):
        text.clean_text(typed, max_length=100, field="câu hỏi")
    form = AskForm(
        {"text": typed, "client_id": "1b0e8a4c-0000-4000-8000-000000000000"}, max_length=500
    )
    assert not form.is_valid()
    assert "text" in form.errors


def test_the_length_is_counted_on_the_normalised_text():
    decomposed = "e\u0301" * 50  # 100 code points, 50 once NFC
    assert len(text.clean_text(decomposed, max_length=50, field="x")) == 50
    form = IssueForm(
        {
            "start": "2025-01-01",
            "end": "2025-12-31",
            "signer_name": decomposed,
            "signer_title": "x",
            "place": "y",
        }
    )
    form.fields["signer_name"].max_length = 50
    form.fields["signer_name"].validators[0].limit_value = 50  # type: ignore[attr-defined]
    assert form.is_valid(), form.errors
    assert form.cleaned_data["signer_name"] == "é" * 50


def test_every_date_and_number_a_form_takes_is_bounded():
    catalogue = CatalogueFilterForm({"date_from": "9999-12-31", "date_to": "0001-01-01"})
    assert not catalogue.is_valid()
    assert set(catalogue.errors) == {"date_from", "date_to"}
    comment = CommentForm({"article": str(10**30), "clause": str(10**30), "text": "Góp ý"})
    assert not comment.is_valid()
    assert set(comment.errors) == {"article", "clause"}
    issue = IssueForm(
        {
            "start": "2025-01-01",
            "end": "9999-12-31",
            "signer_name": "A",
            "signer_title": "B",
            "place": "C",
        }
    )
    assert not issue.is_valid()
    assert "end" in issue.errors
    assert text.date_in_range(date(2100, 12, 31)) == date(2100, 12, 31)


def test_a_choice_or_a_lookup_with_a_control_character_is_refused_before_the_database(db):
    form = CatalogueFilterForm({"agency": "so-tu-phap\x00", "field": "land\x00"})
    assert not form.is_valid()
    assert set(form.errors) == {"agency", "field"}


@pytest.mark.parametrize(
    ("given", "required", "cleaned"),
    [
        ("  Lan.Nguyen@Example.GOV.vn ", True, "Lan.Nguyen@example.gov.vn"),
        ("", False, ""),
        ("   ", False, ""),
    ],
)
def test_one_rule_for_email_addresses(given, required, cleaned):
    assert text.clean_email(given, required=required) == cleaned


@pytest.mark.parametrize(("given", "required"), [("", True), ("khong-phai-email", False)])
def test_a_missing_or_malformed_address_is_refused_with_a_message(given, required):
    with pytest.raises(InvalidMessage) as refused:
        text.clean_email(given, required=required)
    assert refused.value.code == "invalid_email"


def test_invitations_and_nickname_sign_ups_use_the_one_email_rule():
    from dialogue import services
    from events.services import invitations

    for module in (services, invitations):
        source = inspect.getsource(module)
        assert "clean_email(" in source, module.__name__
        assert "validate_email" not in source, module.__name__
