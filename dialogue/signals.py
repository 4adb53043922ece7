"""Facts the dialogue app announces to the apps built on it (moderation), which it cannot import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the asking transaction commits, with `question_id`: the ask service's last step,
# where moderation screens the new question (moderation/receivers.py).
question_asked = Signal()

# Sent when a participant is created, with `participant`; agency-wide bans apply to it.
participant_joined = Signal()
