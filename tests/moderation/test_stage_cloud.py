"""The stage's word cloud of a short-text poll: drawn by the server, by the stage's link, for
an opened poll of that dialogue only."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.urls import reverse

from dialogue import services as dialogue_services
from dialogue import wordcloud
from dialogue.models import Poll
from events.models import Event
from moderation import services
from tests.factories import EventFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def live() -> Event:
    return EventFactory(status=Event.Status.LIVE)


def text_poll(event: Event, *, open_it: bool = True) -> Poll:
    moderator = UserFactory()
    event.roles.create(user=moderator, role="moderator")
    poll = services.create_poll(
        actor=moderator, event=event, question="Một từ về buổi đối thoại?", kind="text"
    )
    if open_it:
        services.open_poll(actor=moderator, event=event, poll_id=poll.pk)
    return poll


def cloud(client, event: Event, poll: Poll, token: str | None = None):  # type: ignore[no-untyped-def]
    return client.get(reverse("stage:cloud", args=[token or event.stage_token, poll.pk]))


def test_the_answers_are_drawn_as_a_cloud_most_frequent_first(client, live):
    poll = text_poll(live)
    for text in ["Hữu ích", "hữu ích", "Dài", "Hữu ích"]:
        dialogue_services.answer_poll(
            participant=ParticipantFactory(event=live), poll_id=poll.pk, text=text
        )
    response = cloud(client, live, poll)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Cache-Control"] == "no-store"
    tree = ElementTree.fromstring(response.content)
    words = [element.text for element in tree.iter(f"{SVG}text")]
    assert words == ["hữu ích", "dài"]  # phrases as the results count them, folded
    assert "Một từ về buổi đối thoại?" in tree.get("aria-label")


def test_only_the_stage_link_of_the_poll_s_own_dialogue_draws_it(client, live):
    poll = text_poll(live)
    assert cloud(client, live, poll, token="not-the-link").status_code == 404
    other = EventFactory(status=Event.Status.LIVE)
    assert cloud(client, other, poll).status_code == 404


def test_a_prepared_poll_or_a_poll_of_options_has_no_cloud(client, live):
    prepared = text_poll(live, open_it=False)
    assert cloud(client, live, prepared).status_code == 404
    moderator = UserFactory()
    live.roles.create(user=moderator, role="moderator")
    choice = services.create_poll(
        actor=moderator, event=live, question="Chọn một", kind="single", options=["A", "B"]
    )
    assert cloud(client, live, choice).status_code == 404


def test_the_stage_page_knows_where_its_clouds_are(client, live):
    page = client.get(reverse("stage:screen", args=[live.stage_token])).content.decode()
    assert f'data-src="/stage/{live.stage_token}/polls/0/cloud.svg"' in page
    assert 'id="stage-poll-words-table"' in page


def test_the_report_and_the_archive_draw_a_closed_poll_s_cloud_for_a_light_page(live):
    from dialogue.selectors import closed_polls

    poll = text_poll(live)
    dialogue_services.answer_poll(
        participant=ParticipantFactory(event=live), poll_id=poll.pk, text="Hữu ích"
    )
    moderator = live.roles.get(role="moderator").user
    services.close_poll(actor=moderator, event=live, poll_id=poll.pk)
    [summary] = closed_polls(event=live)
    tree = ElementTree.fromstring(str(summary.cloud_svg))
    [word] = tree.iter(f"{SVG}text")
    assert word.text == "hữu ích"
    assert word.get("fill") == wordcloud.PALETTES["light"][0]
