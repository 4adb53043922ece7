"""The asker tests' fixtures: the pre-moderated event and the frames handed to the layer."""

from __future__ import annotations

from tests.dialogue.test_asker import live_event, sent  # noqa: F401
