from __future__ import annotations

from django.apps import AppConfig


class ErasureConfig(AppConfig):
    """Erasure of a person's data from every store (its management command lives here)."""

    name = "erasure"
