"""Every inbound frame is bounded by the schema: nesting depth, integer ranges, control characters.

Classes of input, not single cases: whatever the socket and the command, a frame within the size
limit that breaks one of these rules is an `invalid_message` error before anything runs.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from dialogue import messages as citizen
from live.errors import InvalidMessage
from moderation import messages as staff

PARSERS = {
    "citizen": citizen.parse_command,
    "moderator": staff.parse_command,
    "official": staff.parse_official_command,
}


def refusal(parse, text: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidMessage) as caught:
        parse(text)
    return caught.value.code


@pytest.mark.parametrize("socket", PARSERS)
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deep_nesting_under_the_size_limit_is_an_error_not_a_recursion(socket, opening):
    depth = settings.DIALOGUE["MAX_FRAME_BYTES"] // len(opening) - 2
    text = opening * depth
    assert len(text.encode()) <= settings.DIALOGUE["MAX_FRAME_BYTES"]
    assert refusal(PARSERS[socket], text) == "invalid_message"
    # The same depth inside a well-formed command, and as a whole valid JSON document.
    nested = '{"type":"ping","id":"p","x":' + "[" * 1500 + "]" * 1500 + "}"
    assert refusal(PARSERS[socket], nested) == "invalid_message"
    # And the id of such a frame is not looked for in it either.
    assert citizen.command_id(nested) is None


def test_brackets_inside_strings_are_not_nesting():
    command = citizen.parse_command(
        json.dumps(
            {
                "type": "ask",
                "id": "a",
                "client_id": "00000000-0000-4000-8000-000000000000",
                "text": "[" * 500,
            }
        )
    )
    assert command.text == "[" * 500


@pytest.mark.parametrize(
    ("socket", "frame"),
    [
        ("citizen", {"type": "vote", "question": 2**70}),
        ("citizen", {"type": "unvote", "question": 2**63}),
        ("citizen", {"type": "vote", "question": 2**53}),
        ("citizen", {"type": "vote", "question": -1}),
        ("moderator", {"type": "approve", "question": 1, "version": 2**31}),
        ("moderator", {"type": "approve", "question": 2**64, "version": 1}),
        ("moderator", {"type": "route", "question": 1, "version": 1, "official": 2**70}),
        ("moderator", {"type": "ban", "participant": 2**70}),
        ("moderator", {"type": "ban", "question": 2**70}),
        (
            "moderator",
            {"type": "bulk", "action": "approve", "items": [{"question": 2**70, "version": 1}]},
        ),
        ("official", {"type": "note", "question": 2**70, "note": "x"}),
    ],
)
def test_an_id_out_of_range_is_an_invalid_message(socket, frame):
    assert refusal(PARSERS[socket], json.dumps({**frame, "id": "x"})) == "invalid_message"


def test_the_largest_id_a_browser_can_hold_is_accepted():
    assert citizen.parse_command(json.dumps({"type": "vote", "id": "v", "question": 2**53 - 1}))


TEXTS = {
    "citizen": [{"type": "ask", "client_id": "00000000-0000-4000-8000-000000000000", "text": "{}"}],
    "moderator": [
        {"type": "edit", "question": 1, "version": 1, "text": "{}"},
        {"type": "reject", "question": 1, "version": 1, "reason": "other", "note": "{}"},
        {"type": "tag", "question": 1, "version": 1, "topic": "{}"},
        {"type": "ban", "question": 1, "reason": "{}"},
    ],
    "official": [
        {"type": "note", "question": 1, "note": "{}"},
        {"type": "answer", "question": 1, "body": "{}"},
    ],
}


FORBIDDEN = ["\x00", "\x07", "\x1b", "\x7f", "\x85", chr(0xD800), chr(0xDFFF)]


@pytest.mark.parametrize("character", FORBIDDEN)
@pytest.mark.parametrize("socket", PARSERS)
def test_control_characters_in_any_text_field_are_refused(socket, character):
    for template in TEXTS[socket]:
        for field, value in template.items():
            if value != "{}":
                continue
            frame = {**template, field: f"Hỏi{character}đáp", "id": "t"}
            # Escaped, as JSON.stringify sends them, and raw where JSON allows it.
            for text in {json.dumps(frame), json.dumps(frame, ensure_ascii=False)}:
                try:
                    text.encode()
                except UnicodeEncodeError:
                    continue  # a lone surrogate cannot be sent raw in a text frame
                assert refusal(PARSERS[socket], text) == "invalid_message", (frame, text)
        # In the command id and in an unknown key as well, since both are echoed in the error.
        for frame in ({**template, "id": "a\x00b"}, {**template, "id": "a", "k\ud800": 1}):
            assert refusal(PARSERS[socket], json.dumps(frame)) == "invalid_message"
            assert citizen.command_id(json.dumps(frame)) is None


def test_tabs_newlines_and_ordinary_unicode_are_text():
    frame = {"type": "note", "id": "n", "question": 1, "note": "Điều 5\tkhoản 2\r\n😀"}
    assert staff.parse_official_command(json.dumps(frame)).note == "Điều 5\tkhoản 2\r\n😀"
