"""The wire contract: every frame the services send matches its model, for its audience; documented.

A whole dialogue is run through the services and the socket commands while every broadcast is
captured where it leaves for the channel layer (`live.broadcast.send`). Each captured frame is
validated against the model of its type, chosen by the audience of its group: a frame for the
public validates against the citizen socket's models, whose objects forbid any undeclared field,
so a moderator's field in a public frame fails here. Then docs/protocol.md must hold, for every
frame type in both directions, a JSON example that validates against its model.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from consultation import changes as consultation_changes
from consultation import frames as consultation_frames
from consultation import services as consultation_services
from consultation import versions as consultation_versions
from consultation.demo import DRAFT_TEXT
from consultation.models import Commenter
from dialogue import frames as citizen
from dialogue import messages as citizen_messages
from dialogue import services as dialogue_services
from dialogue.models import Question
from dialogue.selectors import poll_result_frames
from events.models import Event
from live import broadcast, wire
from live.errors import InvalidMessage
from live.wire import error_frame
from moderation import commands as staff_commands
from moderation import frames as staff
from moderation import lifecycle, selectors, services
from moderation import messages as staff_messages
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def _frames_of(module: Any) -> dict[str, type[wire.Frame]]:
    found = {}
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, wire.Frame)
            and value is not wire.Frame
            and value.__module__ == module.__name__
        ):
            found[value.model_fields["type"].default] = value
    return found


# What each audience may be sent, by frame type. The citizen's models for everything a citizen's
# socket receives (the public, one participant, one browser session, one account).
CITIZEN = {
    **_frames_of(citizen),
    "error": wire.Error,
    "presence": wire.Presence,
    "access.revoked": wire.AccessRevoked,
}
MODERATORS = {**_frames_of(staff), "error": staff.ConflictError, "pong": citizen.Pong}
OFFICIAL = {
    "official.question": staff.OfficialQuestionUpdated,
    "official.removed": staff.OfficialQuestionRemoved,
    "official.snapshot": staff.OfficialSnapshot,
    "done": staff.Done,
    "error": wire.Error,
    "pong": citizen.Pong,
}
STAGE = {
    "stage.state": staff.StageState,
    "stage.revoked": staff.StageRevoked,
    "tally": citizen.Tally,
    "poll.results": citizen.PollResults,
}
DRAFT = {**_frames_of(consultation_frames), "error": wire.Error}
AUDIENCES = [
    (re.compile(r"^draft\.\d+$"), DRAFT),
    (re.compile(r"^event\.\d+\.public$"), CITIZEN),
    (re.compile(r"^(participant|session)\.[\w-]+$"), CITIZEN),
    (re.compile(r"^user\.\d+$"), {**CITIZEN, **MODERATORS}),
    (re.compile(r"^event\.\d+\.moderators$"), MODERATORS),
    (re.compile(r"^event\.\d+\.official\.\d+$"), OFFICIAL),
    (re.compile(r"^event\.\d+\.stage$"), STAGE),
]


def audience_of(group: str) -> dict[str, type[wire.Frame]]:
    for pattern, models in AUDIENCES:
        if pattern.match(group):
            return models
    raise AssertionError(f"a frame went to a group of no known audience: {group}")


def check(models: dict[str, type[wire.Frame]], frame: dict[str, Any], where: str) -> None:
    model = models.get(frame.get("type", ""))
    assert model is not None, f"{where}: a {frame.get('type')!r} frame is not this audience's"
    try:
        model.model_validate(frame)
    except ValidationError as error:
        raise AssertionError(
            f"{where}: {frame['type']} does not match its model: {error}"
        ) from None


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Every frame handed to the channel layer, with its group, as JSON."""
    captured: list[tuple[str, dict[str, Any]]] = []

    def capture(group: str, message: dict[str, Any]) -> None:
        if "text" in message:
            captured.append((group, json.loads(message["text"])))

    monkeypatch.setattr(broadcast, "send", capture)
    return captured


def test_every_frame_of_a_whole_dialogue_matches_its_model_for_its_audience(
    sent, event, moderator, official, organiser, django_capture_on_commit_callbacks
):
    replies: list[tuple[dict[str, type[wire.Frame]], dict[str, Any]]] = []
    with django_capture_on_commit_callbacks(execute=True):
        asker, voter = ParticipantFactory(event=event), ParticipantFactory(event=event)
        ask = dialogue_services.ask_question
        first = ask(
            participant=asker, text="Đất nông nghiệp có được tách thửa?", client_id=uuid.uuid4()
        )
        second = ask(participant=voter, text="Thủ tục cấp lại sổ đỏ?", client_id=uuid.uuid4())
        third = ask(participant=voter, text="Tách thửa đất nông nghiệp?", client_id=uuid.uuid4())
        dialogue_services.vote(participant=voter, question_id=first.pk)
        common = {"actor": moderator, "event": event, "version": None}
        services.approve_question(question_id=first.pk, **common)
        services.edit_question(question_id=first.pk, text="Đất nông nghiệp tách thửa?", **common)
        services.tag_question(question_id=first.pk, topic="Đất đai", **common)
        services.star_question(question_id=first.pk, starred=True, **common)
        services.route_question(question_id=first.pk, official_id=official.pk, **common)
        services.route_question(question_id=second.pk, official_id=official.pk, **common)
        services.route_question(question_id=second.pk, official_id=None, **common)
        services.set_stage(question_id=first.pk, stage="next", **common)
        services.merge_questions(question_id=first.pk, sources=[(third.pk, None)], **common)
        services.reject_question(
            question_id=second.pk, reason=Question.RejectionReason.PERSONAL_CASE, **common
        )
        services.set_modes(actor=moderator, event=event, voting_open=False)
        services.set_modes(actor=moderator, event=event, voting_open=True)
        poll = services.create_poll(
            actor=moderator,
            event=event,
            question="Anh/chị biết đến buổi đối thoại qua đâu?",
            kind="single",
            options=["Cổng thông tin", "Zalo"],
        )
        services.open_poll(actor=moderator, event=event, poll_id=poll.pk)
        choice = poll.options.first()
        assert choice is not None
        dialogue_services.answer_poll(participant=voter, poll_id=poll.pk, option_ids=[choice.pk])
        services.show_poll_on_stage(actor=moderator, event=event, poll_id=poll.pk, shown=True)
        services.start_answering(actor=official, event=event, question_id=first.pk)
        services.save_live_note(actor=official, event=event, question_id=first.pk, note="Điều 220")
        services.write_answer(
            actor=official, event=event, question_id=first.pk, body="Được, nếu …", publish=True
        )
        services.ban_participant(actor=moderator, event=event, question_id=second.pk)
        services.renew_stage_link(actor=organiser, event=event)
        lifecycle.change_status(
            actor=organiser, event=Event.objects.get(pk=event.pk), status="ended"
        )

        # What the sockets send on connecting, and replies not broadcast.
        replies += [
            (CITIZEN, citizen_messages.tally({first.pk: 2})),
            (CITIZEN, error_frame(services.StaleVersion(first), reply_to="c1")),
            (MODERATORS, selectors.moderator_snapshot(event)),
            (MODERATORS, staff_messages.question_updated(first, event)),
            (OFFICIAL, staff_commands.official_snapshot(official, event)),
            (STAGE, selectors.stage_frame(event)),
            (STAGE, poll_result_frames([poll.pk])[poll.pk]),
            (CITIZEN, poll_result_frames([poll.pk])[poll.pk]),
        ]
    types = {frame["type"] for _group, frame in sent}
    # Every kind of change above was announced: a missing type means a service went quiet.
    assert types >= {
        "question.published",
        "question.withdrawn",
        "own_question.updated",
        "mod.question",
        "mod.event",
        "event.updated",
        "official.question",
        "official.removed",
        "stage.state",
        "stage.revoked",
        "banned",
        "poll.updated",
    }
    for group, frame in sent:
        check(audience_of(group), frame, group)
    for models, frame in replies:
        check(models, frame, "reply")


def test_every_frame_of_a_draft_matches_its_model(  # type: ignore[no-untyped-def]
    event, organiser, moderator, official, sent, django_capture_on_commit_callbacks
):
    Event.objects.filter(pk=event.pk).update(moderation_mode=Event.Moderation.POST)
    event.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        draft = consultation_services.create_draft(
            actor=organiser, agency=event.agency, event=event, title="Dự thảo", text=DRAFT_TEXT
        )
        draft = consultation_services.change_draft_status(
            actor=organiser, draft=draft, status="open"
        )
        article = draft.articles.get(number="3")
        who = Commenter(participant=ParticipantFactory(event=event), user=None)
        comment = consultation_services.comment_on_article(
            draft=draft, who=who, article_id=article.pk, clause_id=None, text="Góp ý"
        )
        consultation_services.support_comment(draft=draft, who=who, comment_id=comment.pk)
        consultation_services.reply_to_comment(
            actor=official,
            draft=draft,
            comment_id=comment.pk,
            body="Tiếp thu",
            disposition="accepted",
        )
        consultation_versions.publish_version(actor=organiser, draft=draft, text=DRAFT_TEXT + "\n")

    assert {frame["type"] for _group, frame in sent} == {"draft.article"}
    assert {group for group, _frame in sent} == {f"draft.{draft.pk}"}
    for group, frame in sent:
        check(audience_of(group), frame, group)
    check(DRAFT, consultation_changes.state_frame(draft), "snapshot")


def test_a_moderators_field_in_a_public_frame_is_refused_where_it_is_built(event):
    question = ParticipantFactory(event=event)
    leaked = {
        "id": 1,
        "text": "Hỏi?",
        "author": "Chị Lan",
        "status": "approved",
        "votes": 0,
        "stage": None,
        "topic": None,
        "asked_at": "2026-12-01T08:00:00+07:00",
        "participant": question.pk,  # the moderators' link between an asker's questions
    }
    with pytest.raises(ValidationError, match="participant"):
        wire.build(citizen.QuestionPublished, seq=1, question=leaked)
    with pytest.raises(ValidationError, match="sent_by"):
        wire.build(citizen.Tally, votes={"1": 2}, sent_by="moderator")


def documented_examples() -> dict[str, list[dict[str, Any]]]:
    """The JSON objects of docs/protocol.md's examples, by their `type`."""
    text = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    found: dict[str, list[dict[str, Any]]] = {}
    for block in re.findall(r"```json\n(.*?)```", text, flags=re.S):
        for line in block.strip().splitlines():
            try:
                example = json.loads(line)
            except json.JSONDecodeError:
                continue  # a shortened example ("…") or one spread over lines
            if isinstance(example, dict) and "type" in example:
                found.setdefault(example["type"], []).append(example)
    return found


def command_types() -> set[str]:
    """Every command a socket accepts, from the `type` literals of the inbound models."""
    names: set[str] = set()
    for module in (citizen_messages, staff_messages):
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and "type" in value.model_fields
                and value.__module__ == module.__name__
            ):
                names.update(getattr(value.model_fields["type"].annotation, "__args__", ()))
    return names


def parses(example: dict[str, Any]) -> bool:
    """Whether one of the sockets accepts the example, as the server parses a frame."""
    text = json.dumps(example, ensure_ascii=False)
    for parse in (
        citizen_messages.parse_command,
        staff_messages.parse_command,
        staff_messages.parse_official_command,
    ):
        try:
            parse(text)
        except InvalidMessage:
            continue
        return True
    return False


def test_every_frame_type_is_documented_with_an_example_that_validates():
    examples = documented_examples()
    outbound = {**CITIZEN, **MODERATORS, **OFFICIAL, **STAGE, **DRAFT}
    missing = sorted(set(outbound) - set(examples))
    assert not missing, f"docs/protocol.md has no checked example of: {missing}"
    for name, model in outbound.items():
        failures = []
        for example in examples[name]:
            try:
                model.model_validate(example)
            except ValidationError as error:
                failures.append(str(error))
        assert len(failures) < len(examples[name]), f"no example of {name} validates: {failures}"


def test_every_command_is_documented_with_an_example_that_validates():
    examples = documented_examples()
    for name in sorted(command_types()):
        assert name in examples, f"docs/protocol.md has no checked example of the {name} command"
        assert any(parses(example) for example in examples[name]), (
            f"no example of the {name} command is accepted"
        )
