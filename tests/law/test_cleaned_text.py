"""A law comes into the library through the one cleaner (events/text.py), however it comes.

The admin's import replaced the form's text with the uploaded file's after the field validators
had run, as the drafts' form once did: a NUL byte in a .txt file was stored (PostgreSQL answers
500), and a pasted or uploaded text was never normalised. Now the file's text is cleaned by the
text field itself, and the import service cleans every text it is given (pasted, uploaded or a
corpus row): normalised to NFC, refused with a message if it holds a control character, nothing
stored. The library's search box is a form of the cleaner too.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from law.models import Article, LegalDocument
from law.services import DocumentFacts, import_document
from live.errors import InvalidMessage
from tests.law.conftest import LAW_TEXT
from tests.law.test_import import FACTS, docx_of

pytestmark = pytest.mark.django_db

IMPORT = "/admin/law/legaldocument/import/"
HOSTILE = ["\x00", "\x07", "\x1b", "\x7f", "\x85"]


def admin(admin_user) -> Client:  # type: ignore[no-untyped-def]
    from tests.reports.test_reports import staff_client

    client: Client = staff_client(admin_user)
    return client


def with_(hostile: str) -> str:
    return LAW_TEXT.replace("Điều 55.", f"Điều 55.{hostile}", 1)


def import_form(**extra: object) -> dict[str, object]:
    return {"title": FACTS.title, "status": "in_force", "legal_field": "family", **extra}


def nothing_stored() -> bool:
    return not (LegalDocument.objects.exists() or Article.objects.exists())


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_control_character_in_an_uploaded_law_is_refused_as_in_pasted_text(admin_user, hostile):  # type: ignore[no-untyped-def]
    client = admin(admin_user)
    upload = SimpleUploadedFile("luat.txt", with_(hostile).encode("utf-8"), "text/plain")
    response = client.post(IMPORT, import_form(upload=upload))
    assert response.status_code == 200  # the form again, with its error
    assert "ký tự điều khiển" in response.content.decode()
    assert nothing_stored()
    pasted = client.post(IMPORT, import_form(text=with_(hostile)))
    assert "ký tự điều khiển" in pasted.content.decode()
    assert nothing_stored()


def test_a_control_character_in_a_document_s_facts_is_refused(admin_user):  # type: ignore[no-untyped-def]
    response = admin(admin_user).post(IMPORT, {**import_form(text=LAW_TEXT), "title": "Luật\x00"})
    assert "ký tự điều khiển" in response.content.decode()
    assert nothing_stored()


def test_an_uploaded_law_and_its_facts_are_normalised_like_pasted_text(admin_user):  # type: ignore[no-untyped-def]
    # Not NFC, with a zero-width space and a byte order mark, as text copied from a PDF viewer.
    typed = LAW_TEXT.replace("ly hôn", "ly\u200b ho\u0302n", 1).replace("Điều 55", "\ufeffĐiều 55")
    title = FACTS.title.replace("Hôn", "Ho\u0302n")
    upload = SimpleUploadedFile("luat.docx", docx_of(typed))
    response = admin(admin_user).post(IMPORT, {**import_form(upload=upload), "title": title})
    assert response.status_code == 302
    document = LegalDocument.objects.get()
    assert document.title == FACTS.title
    article = Article.objects.get(number="51")
    assert "ly hôn" in article.text
    assert "\u200b" not in article.text
    assert Article.objects.filter(number="55").exists()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_import_service_refuses_a_control_character_wherever_it_is(hostile):
    with pytest.raises(InvalidMessage) as refused:
        import_document(facts=FACTS, text=with_(hostile))
    assert refused.value.code == "invalid_text"
    facts = DocumentFacts(title="Luật", source=f"Công báo{hostile}")
    with pytest.raises(InvalidMessage):
        import_document(facts=facts, text=LAW_TEXT)
    assert nothing_stored()


def test_a_corpus_row_with_a_control_character_imports_nothing(tmp_path: Path):
    rows = [
        {"law_id": "Luật Cư trú", "article": "1", "heading": "Phạm vi", "text": "Luật này."},
        {"law_id": "Luật Cư trú", "article": "2", "heading": "Giải thích", "text": "Từ\x00ngữ."},
    ]
    (tmp_path / "laws.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    with pytest.raises(CommandError):
        call_command("import_legal_corpus", str(tmp_path / "laws.jsonl"), stdout=StringIO())
    assert nothing_stored()


def test_the_library_s_search_refuses_a_control_character_with_a_message(library: None):
    response = Client().post("/law/", {"q": "ly\x00 hon"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="law-q-error"' in page
    assert "ký tự điều khiển" in page
    assert 'id="law-results"' not in page


def test_the_library_s_search_reads_decomposed_text_as_composed(library: None):
    typed = "ngu\u031bo\u031b\u0300i thu\u031b\u0300a ke\u0302\u0301"  # not NFC
    response = Client().post("/law/", {"q": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="người thừa kế"' in page
    assert typed not in page
