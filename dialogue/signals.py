"""Facts the dialogue app announces to the apps built on it (moderation), which it cannot import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the asking transaction with `question`; receivers broadcast with on-commit helpers.
question_asked = Signal()

# Sent when a participant is created, with `participant`; agency-wide bans apply to it.
participant_joined = Signal()
