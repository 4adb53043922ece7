"""Reports and exports name askers and carry an agency's figures: staff need two factors first.

Before config/access.py declared every route, reports were not in the list of pages that asked
for two-factor authentication: a moderator signed in with a password alone downloaded the
questions' export, and an organiser with a password alone opened the agency report, its XLSX and
its PDF. Each of those is refused until two factors are on, and each is served once they are.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import QuestionFactory, enable_totp

pytestmark = pytest.mark.django_db

SETUP = "mfa_activate_totp"


def test_a_moderator_with_a_password_alone_cannot_download_the_questions_export(
    client, event, moderator
):
    QuestionFactory(event=event, text="Câu hỏi có tên người hỏi")
    client.force_login(moderator)
    for fmt in ("csv", "xlsx"):
        url = reverse("reports:dialogue_export", args=[event.slug, fmt])
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == reverse(SETUP)
    report = client.get(reverse("reports:dialogue", args=[event.slug]))
    assert report.headers["Location"] == reverse(SETUP)
    api = client.get(reverse("api:event_report", args=[event.slug]))
    assert (api.status_code, api.json()) == (403, {"detail": "two_factor_required"})

    enable_totp(moderator)
    response = client.get(reverse("reports:dialogue_export", args=[event.slug, "csv"]))
    assert response.status_code == 200
    assert "Câu hỏi có tên người hỏi" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("page", ["reports:agency", "reports:agency_xlsx", "reports:agency_pdf"])
def test_an_organiser_with_a_password_alone_cannot_open_the_agency_report(
    client, event, organiser, page
):
    client.force_login(organiser)
    url = reverse(page, args=[event.agency.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse(SETUP)

    enable_totp(organiser)
    assert client.get(url).status_code == 200


def test_an_organiser_with_a_password_alone_cannot_read_the_agency_report_in_the_api(
    client, event, organiser
):
    client.force_login(organiser)
    url = reverse("api:agency_report", args=[event.agency.slug])
    url += "?start=2025-01-01&end=2025-12-31"
    response = client.get(url)
    assert (response.status_code, response.json()) == (403, {"detail": "two_factor_required"})
    enable_totp(organiser)
    assert client.get(url).status_code == 200


def test_the_public_statistics_stay_open_to_everyone(client, event, organiser):
    client.force_login(organiser)
    url = reverse("reports:public_statistics", args=[event.agency.slug])
    assert client.get(url).status_code == 200
