"""Open sockets follow their rights: a lost right closes them within the broadcast's trip.

DESIGN.md, "The real-time model", 8. Each case opens a real socket, changes a right the way the
product does (a service, the admin's save, the sign-out page), and expects the documented close
code with nothing after the frame that says why.
"""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async

from events.models import EventRole, User
from moderation import services
from tests.factories import ParticipantFactory, QuestionFactory
from tests.moderation.test_stage_and_official_sockets import connect, staffed
from tests.socket import open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def moderator_console(event, moderator):  # type: ignore[no-untyped-def]
    accepted, console = await connect(f"/ws/events/{event.slug}/moderate/", moderator)
    assert accepted
    await console.next_of("mod.snapshot")
    return console


async def test_a_deactivated_account_s_consoles_are_closed():
    event, moderator, official = await staffed()
    console = await moderator_console(event, moderator)
    _, desk = await connect(f"/ws/events/{event.slug}/official/", official)
    await desk.next_of("official.snapshot")

    moderator.is_active = False
    await sync_to_async(moderator.save)()

    code, frames = await console.close_code()
    assert (code, [f["type"] for f in frames]) == (4001, ["access.revoked"])
    # Another account's console is untouched.
    await desk.send({"type": "ping"})
    assert (await desk.next())["type"] in {"pong", "error"}
    await desk.close()


async def test_a_changed_password_closes_the_sockets_of_the_old_sessions():
    event, moderator, _official = await staffed()
    console = await moderator_console(event, moderator)
    moderator.set_password("một mật khẩu mới dài")
    await sync_to_async(moderator.save)()
    code, frames = await console.close_code()
    assert (code, [f["type"] for f in frames]) == (4001, ["access.revoked"])


async def test_a_change_that_keeps_the_right_keeps_the_socket_and_its_frames():
    event, moderator, _official = await staffed()
    console = await moderator_console(event, moderator)
    moderator.display_name = "Phạm Thu Hà (đổi tên)"
    await sync_to_async(moderator.save)()  # a recheck, which finds the right still there
    question = await sync_to_async(QuestionFactory)(event=event, status="pending")
    actor = await sync_to_async(User.objects.get)(pk=moderator.pk)
    await sync_to_async(services.approve_question)(
        actor=actor, event=event, question_id=question.pk, version=None
    )
    assert (await console.next_of("mod.question"))["question"]["id"] == question.pk
    await console.close()


async def test_a_moderator_demoted_to_official_loses_the_moderators_console():
    event, moderator, _official = await staffed()
    console = await moderator_console(event, moderator)
    await sync_to_async(EventRole.objects.filter(user=moderator).update)(role="official")
    role = await sync_to_async(EventRole.objects.get)(user=moderator)
    await sync_to_async(role.save)()  # the save is what the organiser's page does
    code, frames = await console.close_code()
    assert (code, [f["type"] for f in frames]) == (4001, ["access.revoked"])


async def test_nothing_reaches_a_console_after_its_role_is_removed():
    event, moderator, _official = await staffed()
    asker = await sync_to_async(ParticipantFactory)(event=event)
    console = await moderator_console(event, moderator)
    await sync_to_async(EventRole.objects.filter(user=moderator).delete)()
    # Questions asked after the removal must not reach the removed moderator.
    _, citizen, _ = await open_socket(
        event.slug,
        cookie=await session_cookie(participant_id=asker.pk, event_id=event.pk),
    )
    await citizen.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Sau khi gỡ"})
    await citizen.next_of("asked")
    code, frames = await console.close_code()
    assert code == 4001
    assert [f["type"] for f in frames] == ["access.revoked"]
    await citizen.close()


async def test_renewing_the_stage_link_closes_the_old_stage():
    event, _moderator, _official = await staffed()
    _, stage = await connect(f"/ws/stage/{event.stage_token}/")
    assert (await stage.next())["type"] == "stage.state"
    organiser = await sync_to_async(_organiser_of)(event)
    await sync_to_async(services.renew_stage_link)(actor=organiser, event=event)
    code, frames = await stage.close_code()
    assert (code, [f["type"] for f in frames]) == (4003, ["stage.revoked"])
    assert (await connect(f"/ws/stage/{event.stage_token}/"))[0] is False


def _organiser_of(event):  # type: ignore[no-untyped-def]
    from events.models import AgencyMembership
    from tests.factories import UserFactory

    user = UserFactory()
    AgencyMembership.objects.create(agency=event.agency, user=user, role="organiser")
    return user
