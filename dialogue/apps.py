from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DialogueConfig(AppConfig):
    name = "dialogue"
    verbose_name = _("Questions and votes")

    def ready(self) -> None:
        # Connects the receivers of the account's data export and deletion (events/signals.py).
        from dialogue import (
            fragments,  # noqa: F401 - a changed dialogue or agency renews the catalogue's parts
            privacy,  # noqa: F401
            sessions,  # noqa: F401 - tells open sockets about sign-outs
        )
