"""The HTTP scenario's application: config.asgi's, with a bare Django view added to its URLs.

The bench serves this with the same server commands as `config.asgi:application`
(bench/procs.py), so the bare view at /bench/bare/ goes through the same settings, middleware,
handler and server as the event page and the catalogue. With DEBUG=0 the templates need the
static files' manifest; they are collected into bench/results/static, the bench's own copy:

    python -m bench.http_app        # collectstatic into bench/results/static
"""

from __future__ import annotations

import os
from pathlib import Path

STATIC_ROOT = Path(__file__).resolve().parent / "results" / "static"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings  # noqa: E402

# Before config.asgi loads the middleware and the handler, which read both.
settings.ROOT_URLCONF = "bench.http_urls"
settings.STATIC_ROOT = STATIC_ROOT

from config.asgi import application  # noqa: E402

__all__ = ["STATIC_ROOT", "application"]

if __name__ == "__main__":
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
