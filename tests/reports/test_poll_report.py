"""The dialogue report's polls section: counts per option of every poll put to the audience."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dialogue import services as dialogue_services
from moderation import services
from reports.selectors import dialogue_polls
from tests.factories import ParticipantFactory, enable_totp


@pytest.mark.django_db
def test_the_report_counts_each_option_of_the_polls_put_to_the_audience(event, organiser):
    poll = services.create_poll(
        actor=organiser, event=event, question="Biết qua đâu?", kind="multiple", options=["A", "B"]
    )
    services.create_poll(actor=organiser, event=event, question="Chưa hỏi", kind="rating")
    services.open_poll(actor=organiser, event=event, poll_id=poll.pk)
    a, b = poll.options.values_list("pk", flat=True)
    for chosen in ([a], [a, b], [b]):
        dialogue_services.answer_poll(
            participant=ParticipantFactory(event=event), poll_id=poll.pk, option_ids=chosen
        )
    services.close_poll(actor=organiser, event=event, poll_id=poll.pk)
    (summary,) = dialogue_polls(event)  # the poll never opened is left out
    assert summary.total == 3
    assert summary.options == [("A", 2, 67), ("B", 2, 67)]
    enable_totp(organiser)
    client = Client()
    client.force_login(organiser)
    page = client.get(reverse("reports:dialogue", args=[event.slug])).content.decode()
    assert f'data-poll="{poll.pk}"' in page
    assert "Chưa hỏi" not in page


@pytest.mark.django_db
def test_the_polls_export_has_a_row_per_option_and_per_word_in_csv_and_xlsx(event, organiser):
    import csv
    import io

    from openpyxl import load_workbook

    choice = services.create_poll(
        actor=organiser,
        event=event,
        question="Biết qua đâu?",
        kind="single",
        options=["=Cổng thông tin", "Zalo"],  # a formula-like answer stays text
    )
    cloud = services.create_poll(actor=organiser, event=event, question="Một từ?", kind="text")
    services.create_poll(actor=organiser, event=event, question="Chưa hỏi", kind="rating")
    portal, zalo = choice.options.values_list("pk", flat=True)
    people = [ParticipantFactory(event=event) for _ in range(3)]
    services.open_poll(actor=organiser, event=event, poll_id=choice.pk)
    for person, chosen in zip(people, (portal, zalo, zalo), strict=True):
        dialogue_services.answer_poll(participant=person, poll_id=choice.pk, option_ids=[chosen])
    services.open_poll(actor=organiser, event=event, poll_id=cloud.pk)  # one open at a time
    for person, word in zip(people, ("minh bạch", "minh bạch", "nhanh"), strict=True):
        dialogue_services.answer_poll(participant=person, poll_id=cloud.pk, text=word)
    enable_totp(organiser)
    client = Client()
    client.force_login(organiser)

    url = reverse("reports:dialogue_polls_export", args=[event.slug, "csv"])
    response = client.get(url)
    assert response["Content-Disposition"] == f'attachment; filename="tham-do-{event.slug}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Câu hỏi thăm dò"
    answers = [(row[0], row[5], row[6], row[7], row[8]) for row in rows[1:]]
    assert answers == [
        ("Biết qua đâu?", "3", "'=Cổng thông tin", "1", "33"),
        ("Biết qua đâu?", "3", "Zalo", "2", "67"),
        ("Một từ?", "3", "minh bạch", "2", "67"),
        ("Một từ?", "3", "nhanh", "1", "33"),
    ]  # the poll never opened is left out

    sheet = load_workbook(
        io.BytesIO(client.get(url.replace(".csv", ".xlsx")).content), read_only=True
    ).worksheets[0]
    cells = [row for row in sheet.iter_rows(values_only=True)][1:]
    assert [(row[6], row[7]) for row in cells] == [
        ("=Cổng thông tin", 1),
        ("Zalo", 2),
        ("minh bạch", 2),
        ("nhanh", 1),
    ]

    # The report page offers both; someone without the report's rights gets neither.
    page = client.get(reverse("reports:dialogue", args=[event.slug])).content.decode()
    assert url in page
    client.logout()
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_a_short_text_poll_is_drawn_as_a_cloud_on_the_report_page_and_in_its_pdf(event, organiser):
    from pypdf import PdfReader

    cloud = services.create_poll(actor=organiser, event=event, question="Một từ?", kind="text")
    services.open_poll(actor=organiser, event=event, poll_id=cloud.pk)
    for word in ("minh bạch", "minh bạch", "nhanh"):
        dialogue_services.answer_poll(
            participant=ParticipantFactory(event=event), poll_id=cloud.pk, text=word
        )
    services.close_poll(actor=organiser, event=event, poll_id=cloud.pk)
    enable_totp(organiser)
    client = Client()
    client.force_login(organiser)
    page = client.get(reverse("reports:dialogue", args=[event.slug])).content.decode()
    figure = page[page.index('<figure class="report-cloud"') :]
    assert ">minh bạch</text>" in figure[: figure.index("</figure>")]

    import io

    pdf = client.get(reverse("reports:dialogue_pdf", args=[event.slug]))
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    # The cloud's words are drawn as text in the PDF, beside the table's.
    assert text.count("minh bạch") >= 2
