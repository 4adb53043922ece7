"""A draft's socket (/ws/consultation/<id>/): article stamps, then one frame per change."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from consultation import services
from consultation.demo import DRAFT_TEXT
from consultation.models import Commenter, Draft
from events.models import AgencyMembership, Event, EventRole
from tests.factories import EventFactory, ParticipantFactory, UserFactory
from tests.moderation.test_stage_and_official_sockets import connect

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def a_draft(*, opened: bool = True):  # type: ignore[no-untyped-def]
    event = EventFactory(moderation_mode=Event.Moderation.PRE, allow_anonymous=True)
    organiser, moderator = UserFactory(), UserFactory()
    AgencyMembership.objects.create(agency=event.agency, user=organiser)
    EventRole.objects.create(event=event, user=moderator, role="moderator")
    draft = services.create_draft(
        actor=organiser, agency=event.agency, event=event, title="Dự thảo", text=DRAFT_TEXT
    )
    if opened:
        draft = services.change_draft_status(actor=organiser, draft=draft, status="open")
    return draft, moderator


async def test_a_reader_gets_the_stamps_then_the_article_whose_comments_changed():
    draft, moderator = await a_draft()
    accepted, reader = await connect(f"/ws/consultation/{draft.pk}/")
    assert accepted
    state = await reader.next()
    article = await sync_to_async(lambda: draft.articles.get(number="3"))()
    assert state["type"] == "draft.state"
    before = state["articles"][str(article.pk)]

    @sync_to_async
    def comment_and_approve() -> None:
        who = Commenter(participant=ParticipantFactory(event=draft.event), user=None)
        comment = services.comment_on_article(
            draft=draft, who=who, article_id=article.pk, clause_id=None, text="Góp ý"
        )
        services.approve_comment(actor=moderator, draft=draft, comment_id=comment.pk)

    await comment_and_approve()
    frame = await reader.next_of("draft.article")
    assert frame["article"] == article.pk
    assert frame["stamp"] != before
    # A reconnecting page reads the same stamp in its snapshot.
    _, again = await connect(f"/ws/consultation/{draft.pk}/")
    assert (await again.next())["articles"][str(article.pk)] == frame["stamp"]
    # A pending comment changes nothing anyone reads: nothing is sent.
    await sync_to_async(
        lambda: services.comment_on_article(
            draft=draft,
            who=Commenter(participant=ParticipantFactory(event=draft.event), user=None),
            article_id=article.pk,
            clause_id=None,
            text="Chờ duyệt",
        )
    )()
    assert await reader.nothing()
    # The socket takes no commands.
    await reader.send({"type": "ping"})
    assert (await reader.next())["code"] == "not_allowed"
    await reader.close()
    await again.close()


async def test_a_draft_being_prepared_refuses_the_public_socket():
    draft, _moderator = await a_draft(opened=False)
    assert (await connect(f"/ws/consultation/{draft.pk}/"))[0] is False
    assert (await connect("/ws/consultation/999999/"))[0] is False
    assert await sync_to_async(Draft.objects.filter(pk=draft.pk).exists)()
