"""An uploaded draft goes through the same cleaner as pasted text (events/text.py).

The file's text used to replace the form's after the field validators had run, so a NUL byte in
the file was stored, and PostgreSQL answered 500. Now the file's text is cleaned by the text
field itself: refused with a message on the upload field, nothing stored.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consultation.demo import DRAFT_TEXT
from consultation.models import Article, Draft
from tests.factories import enable_totp

pytestmark = pytest.mark.django_db


def upload(client, event, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("consultation_staff:create", args=[event.agency.slug]),
        {
            "title": "Dự thảo tải lên",
            "event": event.pk,
            "upload": SimpleUploadedFile("du-thao.txt", content, "text/plain"),
        },
    )


@pytest.mark.parametrize("hostile", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_an_uploaded_draft_is_refused_as_in_pasted_text(
    client, event, organiser, hostile
):
    enable_totp(organiser)
    client.force_login(organiser)
    text = DRAFT_TEXT.replace("Điều 3.", f"Điều 3.{hostile}", 1)
    response = upload(client, event, text.encode("utf-8"))
    assert response.status_code == 400
    assert "ký tự điều khiển" in response.content.decode()
    assert not Draft.objects.exists()
    assert not Article.objects.exists()
    pasted = client.post(
        reverse("consultation_staff:create", args=[event.agency.slug]),
        {"title": "Dự thảo dán", "event": event.pk, "text": text},
    )
    assert pasted.status_code == 400
    assert not Draft.objects.exists()


def test_an_uploaded_draft_is_normalised_and_bounded_like_pasted_text(client, event, organiser):
    enable_totp(organiser)
    client.force_login(organiser)
    decomposed = DRAFT_TEXT.replace("Điều 1.", "Đie\u0302\u0300u 1.", 1)  # not NFC
    assert upload(client, event, decomposed.encode("utf-8")).status_code == 302
    draft = Draft.objects.get()
    assert "Đie\u0302\u0300u" not in draft.source_text
    assert draft.source_text.count("Điều 1.") == DRAFT_TEXT.count("Điều 1.")
    too_long = ("Điều 1. " + "x" * 10) * 200_000
    response = upload(client, event, too_long.encode("utf-8")[:999_000])
    assert response.status_code == 400
    assert Draft.objects.count() == 1
