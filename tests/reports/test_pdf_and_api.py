"""The agency report as PDF (text extracted back), and the reports' API endpoints."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from events.models import Agency, User
from tests.reports.test_reports import staff_client

AGENCY = "so-tu-phap-bac-ninh"


def weasyprint_missing() -> str | None:
    """Why WeasyPrint cannot run here (its Pango libraries), or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        return str(error)
    return None


@pytest.fixture
def seeded(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def pdf_libraries() -> None:
    missing = weasyprint_missing()
    if missing is None:
        return
    message = (
        "WeasyPrint cannot load its system libraries (Debian: libpango-1.0-0 "
        f"libpangoft2-1.0-0 fonts-dejavu-core): {missing}"
    )
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def test_the_agency_report_pdf_holds_the_vietnamese_headings_and_figures(
    seeded: None, pdf_libraries: None
) -> None:
    from pypdf import PdfReader

    organiser = User.objects.get(email="tochuc@example.org")
    response = staff_client(organiser).get(
        reverse("reports:agency_pdf", args=[AGENCY]), {"start": "2000-01-01", "end": "2100-12-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat
    assert "Độc lập - Tự do - Hạnh phúc" in flat
    assert "BÁO CÁO" in flat
    assert "Kết quả theo đơn vị" in flat
    assert "Sở Tư pháp tỉnh Bắc Ninh" in flat
    from datetime import datetime

    from reports.selectors import agency_report
    from reports.views import VN

    report = agency_report(
        Agency.objects.get(slug=AGENCY),
        start=datetime(2000, 1, 1, tzinfo=VN),
        end=datetime(2101, 1, 1, tzinfo=VN),
    )
    assert f"tiếp nhận {report.total.received} câu hỏi" in flat


def test_the_public_statistics_endpoint_is_open_and_counts_like_the_page(seeded: None) -> None:
    data = Client().get(reverse("api:agency_statistics", args=[AGENCY])).json()
    assert data["dialogues_held"] >= 4
    assert data["questions_answered"] > 0
    assert {"label", "count"} == set(data["rejected_by_reason"][0])


def test_the_report_endpoints_refuse_the_public_and_serve_organisers(seeded: None) -> None:
    url = reverse("api:event_report", args=["hoi-dap-thua-ke-dat-dai-2026"])
    assert Client().get(url).status_code == 403
    organiser = User.objects.get(email="tochuc@example.org")
    data = staff_client(organiser).get(url).json()
    assert data["answered_live"] == 9
    schema = Client().get(reverse("api:openapi-json")).json()
    assert "/api/reports/agencies/{slug}/report" in schema["paths"]
