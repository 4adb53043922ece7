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
