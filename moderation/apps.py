from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from dialogue.models import Citation
        from law.matching import set_learned_source
        from moderation import learning, receivers  # noqa: F401 - connects the signal receivers

        # The legal search learns from the citations officials accept (moderation/learning.py).
        set_learned_source(learning.accepted_citations)
        for signal in (post_save, post_delete):
            signal.connect(
                learning.citations_changed, sender=Citation, dispatch_uid=f"learn-{id(signal)}"
            )
