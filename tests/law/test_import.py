"""Laws come into the library pasted, uploaded (.txt, .pdf, .docx) or in bulk, all parsed alike."""

from __future__ import annotations

import io
import json
import zipfile
from html import escape
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from law.models import Article, Clause, LegalDocument, Point
from law.readers import text_of_upload
from law.services import DocumentFacts, import_document
from live.errors import InvalidMessage
from tests.law.conftest import CIVIL_CODE_650, DATA, LAW_TEXT
from tests.reports.test_pdf_and_api import pdf_libraries  # noqa: F401

pytestmark = pytest.mark.django_db

FACTS = DocumentFacts(
    title="Luật Hôn nhân và gia đình", number="52/2014/QH13", issuing_body="Quốc hội"
)


def counts(document: LegalDocument) -> tuple[int, int, int]:
    return (
        Article.objects.filter(document=document).count(),
        Clause.objects.filter(article__document=document).count(),
        Point.objects.filter(clause__article__document=document).count(),
    )


def docx_of(text: str) -> bytes:
    """A minimal .docx as a word processor writes it: one paragraph a line."""
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
        for line in text.splitlines()
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraphs}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", body)
    return buffer.getvalue()


def test_a_pasted_law_becomes_articles_clauses_and_its_chapter() -> None:
    document = import_document(facts=FACTS, text=LAW_TEXT)
    assert document.slug == "luat-hon-nhan-va-gia-dinh-2014"
    assert counts(document) == (2, 3, 0)
    first = document.articles.get(number="51")
    assert first.heading == "Quyền yêu cầu giải quyết ly hôn"
    assert first.chapter == "Chương IV. CHẤM DỨT HÔN NHÂN"
    assert "Căn cứ Hiến pháp" in document.preamble
    assert document.articles.get(number="55").lead.startswith("Trong trường hợp vợ chồng")


def test_points_are_stored_apart_from_their_clause() -> None:
    document = import_document(facts=DocumentFacts(title="Bộ luật Dân sự"), text=CIVIL_CODE_650)
    assert counts(document) == (1, 2, 7)
    clause = Clause.objects.get(article__document=document, number="1")
    assert clause.text == "Thừa kế theo pháp luật được áp dụng trong trường hợp sau đây:"
    assert [p.letter for p in clause.points.all()] == ["a", "b", "c", "d"]
    assert clause.points.get(letter="c").text.endswith("vào thời điểm mở thừa kế;")


def test_a_text_without_articles_is_refused_and_stores_nothing() -> None:
    with pytest.raises(InvalidMessage):
        import_document(facts=FACTS, text="Một đoạn văn không có điều nào.")
    assert not LegalDocument.objects.exists()


def test_the_same_document_twice_is_refused() -> None:
    import_document(facts=FACTS, text=LAW_TEXT)
    with pytest.raises(InvalidMessage) as refused:
        import_document(facts=FACTS, text=LAW_TEXT)
    assert refused.value.code == "conflict"


def test_a_docx_upload_reads_as_the_pasted_text() -> None:
    text = text_of_upload("luat.docx", docx_of(LAW_TEXT))
    document = import_document(facts=FACTS, text=text)
    assert counts(document) == (2, 3, 0)


def test_a_txt_upload_in_utf8_with_a_byte_order_mark_is_read() -> None:
    text = text_of_upload("luat.TXT", "\ufeff".encode() + LAW_TEXT.encode())
    assert text.startswith("QUỐC HỘI")


def test_a_pdf_with_a_text_layer_is_read(pdf_libraries: None) -> None:  # noqa: F811
    from weasyprint import HTML

    html = "".join(f"<p>{escape(line)}</p>" for line in CIVIL_CODE_650.splitlines())
    pdf = HTML(string=f"<meta charset='utf-8'><body>{html}</body>").write_pdf()
    document = import_document(
        facts=DocumentFacts(title="Bộ luật Dân sự"), text=text_of_upload("blds.pdf", pdf)
    )
    assert counts(document) == (1, 2, 7)


def test_an_unknown_kind_of_file_and_a_broken_pdf_are_refused() -> None:
    with pytest.raises(InvalidMessage):
        text_of_upload("luat.odt", b"...")
    with pytest.raises(InvalidMessage):
        text_of_upload("luat.pdf", b"%PDF-1.4 not really")
    with pytest.raises(InvalidMessage):
        text_of_upload("luat.docx", b"not a zip")


def test_a_bulk_corpus_in_jsonl_imports_every_document_and_article() -> None:
    out = StringIO()
    call_command("import_legal_corpus", str(DATA / "laws.jsonl"), stdout=out)
    civil = LegalDocument.objects.get(slug="bo-luat-dan-su-2015")
    family = LegalDocument.objects.get(slug="luat-hon-nhan-va-gia-dinh-2014")
    assert counts(civil) == (8, 7, 10)
    assert counts(family) == (4, 9, 0)
    assert "Bộ luật Dân sự: 8 articles" in out.getvalue()


def test_a_bulk_corpus_in_json_and_csv_reads_the_same_rows(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (DATA / "laws.jsonl").read_text().splitlines()][:3]
    (tmp_path / "laws.json").write_text(json.dumps(rows, ensure_ascii=False))
    call_command("import_legal_corpus", str(tmp_path / "laws.json"), stdout=StringIO())
    assert Article.objects.count() == 3
    lines = ["law_id,law_title,article,heading,text,law_number"]
    lines.append(
        'Luật Cư trú,Luật Cư trú,1,Phạm vi điều chỉnh,"Luật này quy định về cư trú.",68/2020/QH14'
    )
    (tmp_path / "laws.csv").write_text("\n".join(lines))
    call_command("import_legal_corpus", str(tmp_path / "laws.csv"), stdout=StringIO())
    residence = LegalDocument.objects.get(number="68/2020/QH14")
    assert residence.slug == "luat-cu-tru-2020"
    assert residence.articles.get().heading == "Phạm vi điều chỉnh"


def test_a_bulk_corpus_with_a_bad_row_imports_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"law_id": "x", "article": "1"}\n{"law_id": "x"}\n')
    with pytest.raises(CommandError):
        call_command("import_legal_corpus", str(tmp_path / "bad.jsonl"), stdout=StringIO())
    assert not LegalDocument.objects.exists()


def test_the_admin_imports_a_pasted_law(admin_user) -> None:  # type: ignore[no-untyped-def]
    from tests.reports.test_reports import staff_client

    client: Client = staff_client(admin_user)
    response = client.post(
        "/admin/law/legaldocument/import/",
        {
            "title": FACTS.title,
            "number": FACTS.number,
            "status": "in_force",
            "legal_field": "family",
            "text": LAW_TEXT,
        },
    )
    assert response.status_code == 302, response.content
    document = LegalDocument.objects.get()
    assert (document.legal_field, counts(document)) == ("family", (2, 3, 0))


def test_the_admin_imports_an_uploaded_docx(admin_user) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.reports.test_reports import staff_client

    client: Client = staff_client(admin_user)
    upload = SimpleUploadedFile("luat.docx", docx_of(LAW_TEXT))
    response = client.post(
        "/admin/law/legaldocument/import/",
        {"title": FACTS.title, "status": "in_force", "legal_field": "family", "upload": upload},
    )
    assert response.status_code == 302
    assert counts(LegalDocument.objects.get()) == (2, 3, 0)
