"""Facts the events app announces to the apps built on it, which it cannot import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `user` when the person asks for their data; each receiver returns a dict of
# sections (name -> JSON-ready value) that is merged into the export.
personal_data_requested = Signal()

# Sent with `user` inside the deleting transaction, before the account row goes; receivers
# anonymise what must outlive the account (questions and votes stay, the person does not).
account_deleting = Signal()

# Sent inside the writing transaction with `actor`, `event`, `before` and `after` (what citizens
# see of the dialogue, `selectors.event_public_state`) when an organiser changes its details;
# moderation writes the audit entry.
event_details_changed = Signal()
