from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogueConfig(AppConfig):
    name = "dialogue"
    verbose_name = _("Questions and votes")

    def ready(self) -> None:
        # Connects the receivers of the account's data export and deletion (events/signals.py).
        from dialogue import (
            fragments,  # noqa: F401 - a changed dialogue or agency renews the catalogue's parts
            messages,
            privacy,  # noqa: F401
            selectors,
            services,
            sessions,  # noqa: F401 - tells open sockets about sign-outs
        )
        from live.hub import register

        # What the live core reads (tallies, poll results, the delta log) and records (presence).
        register(
            vote_counts=lambda ids: selectors.vote_counts(question_ids=ids),
            public_deltas=selectors.public_deltas,
            tally_frame=messages.tally,
            record_presence=services.record_presence,
            poll_results=selectors.poll_result_frames,
            current_counts=selectors.current_counts,
        )
