"""A report's period is bounded: a date at the ends of the calendar answers 400 with a message.

A period ending 9999-12-31 answered 500, on the page and in the API: the day after it does not
exist. Every date of a period lies between the years events/text.py names.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import enable_totp

pytestmark = pytest.mark.django_db

PERIODS = [
    ("2025-01-01", "9999-12-31"),
    ("0001-01-01", "2025-12-31"),
    ("1999-12-31", "2025-01-01"),
    ("2025-01-01", "2101-01-01"),
]


@pytest.fixture
def staff(client, organiser):  # type: ignore[no-untyped-def]
    enable_totp(organiser)
    client.force_login(organiser)
    return client


@pytest.mark.parametrize(("start", "end"), PERIODS)
@pytest.mark.parametrize(
    "page", ["reports:agency", "reports:agency_pdf", "reports:agency_xlsx", "reports:agency_csv"]
)
def test_a_period_out_of_range_answers_400_with_a_message_on_the_pages(
    staff, event, page, start, end
):
    url = reverse(page, args=[event.agency.slug])
    response = staff.get(url, {"start": start, "end": end})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="period-error"' in body
    assert "2000" in body
    assert "2100" in body


@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_a_period_out_of_range_answers_400_with_a_message_in_the_api(staff, event, start, end):
    url = reverse("api:agency_report", args=[event.agency.slug])
    response = staff.get(url, {"start": start, "end": end})
    assert response.status_code == 400
    assert "2000" in response.json()["detail"]


@pytest.mark.parametrize("value", ["2025-02-30", "yesterday", "2025-01-01\x00", "9" * 40])
def test_a_date_that_is_not_a_date_answers_400_too(staff, event, value):
    url = reverse("reports:agency", args=[event.agency.slug])
    assert staff.get(url, {"start": value}).status_code == 400


def test_the_last_day_the_site_knows_is_still_a_period(staff, event):
    url = reverse("reports:agency", args=[event.agency.slug])
    assert staff.get(url, {"start": "2100-01-01", "end": "2100-12-31"}).status_code == 200
    api = reverse("api:agency_report", args=[event.agency.slug])
    assert staff.get(api, {"start": "2000-01-01", "end": "2100-12-31"}).status_code == 200


def test_a_person_who_may_not_see_the_report_is_refused_before_the_period_is_read(
    client, event, moderator
):
    enable_totp(moderator)
    client.force_login(moderator)
    url = reverse("reports:agency", args=[event.agency.slug])
    assert client.get(url, {"end": "9999-12-31"}).status_code == 403
