"""The names of the groups a broadcast can go to (DESIGN.md, "The real-time model", 7)."""

from __future__ import annotations

import hashlib

PUBLIC_PREFIX, PUBLIC_SUFFIX = "event.", ".public"


def public_group(event_id: int) -> str:
    """Approved questions (sequenced deltas), tallies, the event's public state."""
    return f"{PUBLIC_PREFIX}{event_id}{PUBLIC_SUFFIX}"


def event_of_public_group(group: str) -> int | None:
    """The event id of a public group's name, or None for any other group."""
    if not (group.startswith(PUBLIC_PREFIX) and group.endswith(PUBLIC_SUFFIX)):
        return None
    middle = group[len(PUBLIC_PREFIX) : -len(PUBLIC_SUFFIX)]
    return int(middle) if middle.isdigit() else None


def moderators_group(event_id: int) -> str:
    """Everything about every question, identities as the event's policy allows."""
    return f"event.{event_id}.moderators"


def official_group(event_id: int, user_id: int) -> str:
    """What is routed to one official; never an anonymous asker's identity."""
    return f"event.{event_id}.official.{user_id}"


def stage_group(event_id: int) -> str:
    """The hall's screen: the question being answered and the next ones."""
    return f"event.{event_id}.stage"


def draft_group(draft_id: int) -> str:
    """Everyone reading a draft for comment: told when an article's comments change."""
    return f"draft.{draft_id}"


def participant_group(participant_id: int) -> str:
    """The sockets of one participant: their own questions, a ban."""
    return f"participant.{participant_id}"


def user_group(user_id: int) -> str:
    """The sockets of one account: told when its rights change."""
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    """The sockets of one browser session: told when it ends."""
    # A digest, so that the session key itself never travels through the channel layer.
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:32]
