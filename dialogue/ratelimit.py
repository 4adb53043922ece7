"""Rate limits on asking and voting, per participant and per IP address (the `limits` library).

Counters live in Redis when REDIS_URL is set, so that every worker shares them; otherwise in
this process's memory.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.utils.translation import gettext as _
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from events.errors import RateLimited


@cache
def _limiter() -> MovingWindowRateLimiter:
    url = settings.REDIS_URL or "memory://"
    return MovingWindowRateLimiter(storage_from_string(url))


@cache
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


def check(action: str, *, participant_id: int, ip: str | None) -> None:
    """Count one `action` ("ask" or "vote") and refuse it when a limit is exceeded."""
    rates = settings.DIALOGUE["RATE_LIMITS"][action]
    limiter = _limiter()
    keys = [("participant", str(participant_id))] + ([("ip", ip)] if ip else [])
    for kind, key in keys:
        if not limiter.hit(_item(rates[kind]), "dialogue", action, kind, key):
            raise RateLimited(_("Too many requests. Please wait a moment and try again."))


def reset() -> None:
    """Forget every counter (tests)."""
    _limiter().storage.reset()
