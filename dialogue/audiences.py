"""The audiences a broadcast can go to. Each sees only what is meant for it (DESIGN.md, 7)."""

from __future__ import annotations

from dialogue.fanout import participant_group, public_group, stage_group

__all__ = ["moderators_group", "official_group", "participant_group", "public_group", "stage_group"]


def moderators_group(event_id: int) -> str:
    """Everything about every question, identities as the event's policy allows."""
    return f"event.{event_id}.moderators"


def official_group(event_id: int, user_id: int) -> str:
    """What is routed to one official; never an anonymous asker's identity."""
    return f"event.{event_id}.official.{user_id}"
