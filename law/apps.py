from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _changed(**kwargs: Any) -> None:
    from law.matching import library_changed

    transaction.on_commit(library_changed)


class LawConfig(AppConfig):
    name = "law"
    verbose_name = _("Legal library")

    def ready(self) -> None:
        # A change made one row at a time (the admin) rebuilds the matcher's index; the bulk
        # imports of law/services.py say so themselves, since bulk writes send no signal.
        from law.models import Article, LegalDocument, SynonymSet

        for model in (LegalDocument, Article, SynonymSet):
            post_save.connect(_changed, sender=model, dispatch_uid=f"law-changed-{model.__name__}")
            post_delete.connect(
                _changed, sender=model, dispatch_uid=f"law-deleted-{model.__name__}"
            )
