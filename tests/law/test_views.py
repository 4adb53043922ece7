"""Each article has its own page; a document lists its articles; the library is searchable."""

from __future__ import annotations

import pytest
from django.test import Client

from law.models import LegalDocument

pytestmark = pytest.mark.django_db


def test_an_article_has_its_own_page_with_its_clauses_and_points(library: None) -> None:
    response = Client().get("/law/bo-luat-dan-su-2015/dieu-650/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Những trường hợp thừa kế theo pháp luật" in page
    assert 'id="khoan-1-diem-a"' in page
    assert "Không có di chúc;" in page
    assert "91/2015/QH13" in page
    assert 'href="/law/bo-luat-dan-su-2015/dieu-649/"' in page  # the one before
    assert 'href="/law/bo-luat-dan-su-2015/dieu-651/"' in page  # and after


def test_a_document_page_lists_its_articles_in_order(library: None) -> None:
    page = Client().get("/law/luat-hon-nhan-va-gia-dinh-2014/").content.decode()
    positions = [
        page.index(f"/law/luat-hon-nhan-va-gia-dinh-2014/dieu-{n}/") for n in (51, 55, 56, 81)
    ]
    assert positions == sorted(positions)


def test_the_library_is_searched_without_diacritics(library: None) -> None:
    # A POST: the words typed never travel in a URL.
    typed = {"q": "nguoi thua ke theo phap luat hang thu nhat"}
    page = Client().post("/law/", typed).content.decode()
    assert 'href="/law/bo-luat-dan-su-2015/dieu-651/"' in page.split('id="law-results"')[1][:400]


def test_a_document_no_longer_in_force_says_so_on_its_articles(library: None) -> None:
    LegalDocument.objects.filter(slug="bo-luat-dan-su-2015").update(status="replaced")
    page = Client().get("/law/bo-luat-dan-su-2015/dieu-609/").content.decode()
    assert "Văn bản này đã hết hiệu lực" in page


def test_an_unknown_document_or_article_is_not_found(library: None) -> None:
    assert Client().get("/law/khong-co/").status_code == 404
    assert Client().get("/law/bo-luat-dan-su-2015/dieu-9999/").status_code == 404
