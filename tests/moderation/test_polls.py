"""Moderators prepare, open, close and show polls; over the services, the socket and the page."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from dialogue import services as dialogue_services
from dialogue.models import Poll, PollAnswer
from events.models import Event
from live.errors import InvalidMessage, NotAllowed
from moderation import lifecycle, services
from moderation.selectors import stage_frame
from tests.factories import ParticipantFactory, enable_totp
from tests.moderation.test_stage_and_official_sockets import connect, staffed
from tests.socket import open_socket, session_cookie


def prepare(moderator, event: Event, kind: str = "single") -> Poll:  # type: ignore[no-untyped-def]
    options = ["Cổng thông tin", "Zalo"] if kind in ("single", "multiple") else []
    return services.create_poll(
        actor=moderator, event=event, question="Biết qua đâu?", kind=kind, options=options
    )


@pytest.mark.django_db
class TestServices:
    def test_a_rating_poll_gets_the_scores_1_to_5(self, live_event, moderator):
        poll = prepare(moderator, live_event, "rating")
        assert list(poll.options.values_list("label", flat=True)) == ["1", "2", "3", "4", "5"]

    @pytest.mark.parametrize(
        ("kind", "options", "code"),
        [
            ("single", ["Một"], "too_few_options"),
            ("single", [str(n) for n in range(11)], "too_many_options"),
            ("multiple", ["A", "A"], "duplicate_option"),
            ("survey", ["A", "B"], "invalid_kind"),
            ("quiz", ["A", "B"], "one_right_answer"),
        ],
    )
    def test_a_badly_prepared_poll_is_refused(self, live_event, moderator, kind, options, code):
        with pytest.raises(InvalidMessage) as refused:
            services.create_poll(
                actor=moderator, event=live_event, question="Hỏi?", kind=kind, options=options
            )
        assert refused.value.code == code
        assert not Poll.objects.exists()

    def test_opening_a_poll_closes_the_one_that_was_open(self, live_event, moderator):
        first, second = prepare(moderator, live_event), prepare(moderator, live_event, "text")
        services.open_poll(actor=moderator, event=live_event, poll_id=first.pk)
        services.open_poll(actor=moderator, event=live_event, poll_id=second.pk)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (Poll.Status.CLOSED, Poll.Status.OPEN)

    def test_only_the_dialogue_s_moderators_manage_polls(self, live_event, moderator, citizen):
        poll = prepare(moderator, live_event)
        with pytest.raises(NotAllowed):
            prepare(citizen, live_event)
        with pytest.raises(NotAllowed):
            services.open_poll(actor=citizen, event=live_event, poll_id=poll.pk)
        poll.refresh_from_db()
        assert poll.status == Poll.Status.DRAFT

    def test_a_closed_poll_takes_no_more_answers_and_keeps_its_results(self, live_event, moderator):
        poll = prepare(moderator, live_event)
        services.open_poll(actor=moderator, event=live_event, poll_id=poll.pk)
        option = poll.options.values_list("pk", flat=True)[0]
        dialogue_services.answer_poll(
            participant=ParticipantFactory(event=live_event), poll_id=poll.pk, option_ids=[option]
        )
        services.close_poll(actor=moderator, event=live_event, poll_id=poll.pk)
        with pytest.raises(NotAllowed) as refused:
            dialogue_services.answer_poll(
                participant=ParticipantFactory(event=live_event),
                poll_id=poll.pk,
                option_ids=[option],
            )
        assert refused.value.code == "poll_closed"
        assert PollAnswer.objects.count() == 1

    def test_the_stage_shows_one_poll_at_a_time(self, live_event, moderator):
        first, second = prepare(moderator, live_event), prepare(moderator, live_event)
        services.open_poll(actor=moderator, event=live_event, poll_id=first.pk)
        services.show_poll_on_stage(actor=moderator, event=live_event, poll_id=first.pk, shown=True)
        services.open_poll(actor=moderator, event=live_event, poll_id=second.pk)
        services.show_poll_on_stage(
            actor=moderator, event=live_event, poll_id=second.pk, shown=True
        )
        assert stage_frame(live_event)["poll"]["id"] == second.pk
        assert Poll.objects.filter(show_on_stage=True).count() == 1
        services.show_poll_on_stage(
            actor=moderator, event=live_event, poll_id=second.pk, shown=False
        )
        assert stage_frame(live_event)["poll"] is None

    def test_ending_the_dialogue_closes_its_open_poll(self, live_event, moderator):
        poll = prepare(moderator, live_event)
        services.open_poll(actor=moderator, event=live_event, poll_id=poll.pk)
        lifecycle.change_status(actor=moderator, event=live_event, status=Event.Status.ENDED)
        poll.refresh_from_db()
        assert poll.status == Poll.Status.CLOSED


@pytest.mark.django_db
def test_the_polls_page_prepares_a_poll_and_its_buttons_open_it(client, live_event, moderator):
    enable_totp(moderator)
    client.force_login(moderator)
    url = reverse("moderation:polls", args=[live_event.slug])
    created = client.post(url, {"question": "Một từ về thủ tục?", "kind": "text"})
    assert created.status_code == 302
    poll = Poll.objects.get()
    bad = client.post(url, {"question": "Chọn một", "kind": "single", "options": "Chỉ một"})
    assert bad.status_code == 400
    action = reverse("moderation:poll", args=[live_event.slug, poll.pk])
    assert client.post(action, {"action": "open"}).status_code == 302
    poll.refresh_from_db()
    assert poll.status == Poll.Status.OPEN
    assert "Một từ về thủ tục?" in client.get(url).content.decode()


@pytest.mark.django_db(transaction=True)
async def test_the_console_opens_and_shows_a_poll_and_the_stage_and_citizens_follow():
    event, moderator, _official = await staffed()
    poll = await sync_to_async(prepare)(moderator, event)
    _, console = await connect(f"/ws/events/{event.slug}/moderate/", moderator)
    await console.next_of("mod.snapshot")
    _, stage = await connect(f"/ws/stage/{event.stage_token}/")
    assert (await stage.next_of("stage.state"))["poll"] is None
    participant = await sync_to_async(ParticipantFactory)(event=event)
    cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
    _, citizen, _ = await open_socket(event.slug, cookie=cookie)

    command = await console.send({"type": "open_poll", "poll": poll.pk})
    done = await console.next_of("done")
    assert done["reply_to"] == command
    assert done["poll"]["status"] == "open"
    opened = await citizen.next_of("poll.updated")
    assert opened["poll"]["id"] == poll.pk

    await console.send({"type": "show_poll", "poll": poll.pk, "shown": True})
    assert (await console.next_of("done"))["poll"]["id"] == poll.pk
    assert (await stage.next_of("stage.state"))["poll"]["id"] == poll.pk

    option = opened["poll"]["options"][0]["id"]
    await citizen.send({"type": "poll_answer", "poll": poll.pk, "options": [option]})
    await citizen.next_of("poll.answered")
    results = await stage.next_of("poll.results")
    assert results["results"]["counts"][str(option)] == 1

    await console.send({"type": "close_poll", "poll": poll.pk})
    assert (await console.next_of("done"))["poll"]["status"] == "closed"
    assert (await citizen.next_of("poll.updated"))["poll"]["status"] == "closed"
    again = await console.send({"type": "close_poll", "poll": poll.pk})
    error = await console.next_of("error")
    assert (error["reply_to"], error["code"]) == (again, "invalid_transition")
    for client in (console, stage, citizen):
        await client.close()
