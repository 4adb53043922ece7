"""The asker's private page follows their questions on the dialogue's socket with the private
link's token (`follow`): from a browser with no session, refused for a wrong or renewed link."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from dialogue import services as dialogue_services
from dialogue.selectors import follow_token
from events.models import Event
from moderation import services as moderation_services
from tests.factories import EventFactory, ParticipantFactory, UserFactory
from tests.socket import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def asked_in_a_premoderated_dialogue():  # type: ignore[no-untyped-def]
    event = EventFactory(moderation_mode=Event.Moderation.PRE)
    moderator = UserFactory()
    event.roles.create(user=moderator, role="moderator")
    asker = ParticipantFactory(event=event, nickname="Chị Lan")
    question = dialogue_services.ask_question(
        participant=asker, text="Thủ tục tách thửa đất thế nào?", client_id=uuid.uuid4()
    )
    return event, moderator, asker, question


async def test_a_socket_with_the_private_link_s_token_gets_the_asker_s_updates():
    event, moderator, asker, question = await asked_in_a_premoderated_dialogue()
    accepted, page, _snapshot = await open_socket(event.slug)  # no cookie: another browser
    assert accepted
    command = await page.send({"type": "follow", "token": await sync_to_async(follow_token)(asker)})
    assert await page.next_of("followed") == {"type": "followed", "reply_to": command}

    await sync_to_async(moderation_services.approve_question)(
        actor=moderator, event=event, question_id=question.pk, version=question.version
    )

    updated = await page.next_of("own_question.updated")
    assert (updated["question"]["id"], updated["question"]["status"]) == (question.pk, "approved")
    await page.close()


async def test_a_wrong_or_renewed_link_follows_nothing_and_renewing_closes_the_old_one():
    event, moderator, asker, question = await asked_in_a_premoderated_dialogue()
    old = await sync_to_async(follow_token)(asker)
    accepted, page, _snapshot = await open_socket(event.slug)
    assert accepted
    for token in (old[:-2] + "xx", f"{asker.pk}.0", "x" * 200):
        command = await page.send({"type": "follow", "token": token})
        refused = await page.next_of("error")
        assert (refused["reply_to"], refused["code"]) == (command, "invalid_link")
    await page.send({"type": "follow", "token": old})
    await page.next_of("followed")

    await sync_to_async(dialogue_services.renew_follow_link)(participant=asker)

    code, _frames = await page.close_code()
    assert code != 1000
    accepted, again, _snapshot = await open_socket(event.slug)
    command = await again.send({"type": "follow", "token": old})
    assert (await again.next_of("error"))["code"] == "invalid_link"
    await sync_to_async(moderation_services.approve_question)(
        actor=moderator, event=event, question_id=question.pk, version=question.version
    )
    # The public hears of it; the old link's page does not.
    assert (await again.next_of_any("question.published", "own_question.updated"))["type"] == (
        "question.published"
    )
    while not await again.nothing(timeout=0.5):
        assert (await again.next())["type"] != "own_question.updated"
    await again.close()
