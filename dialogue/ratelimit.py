"""Rate limits on joining, asking and voting, per participant and per address (`limits`).

Counters live in Redis when REDIS_URL is set, so that every worker shares them; otherwise in
this process's memory. An address is an IPv4 address or the /64 network of an IPv6 one: a
household or phone gets a whole /64, so counting single IPv6 addresses would count nothing.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from events.models import Event
from live.admission import address
from live.errors import RateLimited

log = logging.getLogger(__name__)


@cache
def _limiter() -> MovingWindowRateLimiter:
    if not settings.REDIS_URL:
        return MovingWindowRateLimiter(storage_from_string("memory://"))
    # Short timeouts: a Redis that is down or stalled must not hold up an ask or a vote batch.
    timeouts = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    storage = storage_from_string(settings.REDIS_URL, **timeouts)
    return MovingWindowRateLimiter(storage)


@cache
def _item(rate: str) -> RateLimitItem:
    return parse(rate)


def check(action: str, *, participant_id: int, ip: str | None) -> None:
    """Count one `action` ("ask" or "vote") and refuse it when a limit is exceeded."""
    if not check_many(action, requests=[(participant_id, ip)])[0]:
        raise refusal()


def check_lookup(*, code: str, ip: str | None) -> None:
    """Count one look-up of a tracking code from `ip`; refuse it over either limit.

    Every try counts, found or not: a person who mistypes tries a few times, a script that
    guesses codes or contacts is held to the same few.
    """
    rates = settings.DIALOGUE["RATE_LIMITS"]["lookup"]
    allowed = [True]
    try:
        _count("lookup", "code", rates, [code or None], allowed)
        _count("lookup", "ip", rates, [address(ip)], allowed)
    except (RedisError, OSError):
        log.warning("look-up limits are not counted: Redis is unreachable", exc_info=True)
        return
    if not allowed[0]:
        raise refusal()


def refusal() -> RateLimited:
    """The error for a request over a limit."""
    return RateLimited(_("Too many requests. Please wait a moment and try again."))


def check_many(action: str, *, requests: Sequence[tuple[int, str | None]]) -> list[bool]:
    """Count many (participant, ip) requests of one `action` in order; True for each allowed."""
    rates = settings.DIALOGUE["RATE_LIMITS"][action]
    allowed = [True] * len(requests)
    try:
        _count(action, "participant", rates, [str(pid) for pid, _ in requests], allowed)
        _count(action, "ip", rates, [address(ip) for _, ip in requests], allowed)
    except (RedisError, OSError):
        # The database is the truth and Redis only counts: while Redis is away, asks and votes
        # are stored and acknowledged without a limit rather than refused (docs/security.md).
        log.warning("rate limits are not counted: Redis is unreachable", exc_info=True)
        return [True] * len(requests)
    return allowed


def _count(
    action: str, kind: str, rates: dict[str, str], keys: list[str | None], allowed: list[bool]
) -> None:
    # One hit per key for all of its requests in a batch; only a key whose batch does not fit
    # is counted request by request, to allow what still fits.
    limiter, item = _limiter(), _item(rates[kind])
    indices: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key and allowed[index]:
            indices.setdefault(key, []).append(index)
    names: list[tuple[str, ...]] = [("dialogue", action, kind, key) for key in indices]
    fitted = _hit_each(item, names, [len(group) for group in indices.values()])
    for name, group, fits in zip(names, indices.values(), fitted, strict=True):
        if fits:
            continue
        for position in range(len(group)):
            if not limiter.hit(item, *name):
                for refused in group[position:]:
                    allowed[refused] = False
                break


def _hit_each(item: RateLimitItem, names: list[tuple[str, ...]], costs: list[int]) -> list[bool]:
    """`limiter.hit(item, *name, cost=cost)` for each name, in one round trip to Redis."""
    limiter = _limiter()
    storage: Any = limiter.storage
    # A vote batch holds a hundred participants: a hundred round trips to Redis were half of
    # its time. The library has no batch call, so its own moving-window script (the one `hit`
    # runs) is queued on a pipeline; the memory storage of development is counted one by one.
    script = getattr(storage, "lua_acquire_moving_window", None)
    if script is None or len(names) < 2:
        pairs = zip(names, costs, strict=True)
        return [limiter.hit(item, *name, cost=cost) for name, cost in pairs]
    pipeline = storage.get_connection().pipeline(transaction=False)
    now = time.time()
    for name, cost in zip(names, costs, strict=True):
        key = storage.prefixed_key(item.key_for(*name))
        # By its digest: a pipeline that runs a Script object first asks Redis whether the
        # script exists, another round trip on every batch.
        pipeline.evalsha(script.sha, 1, key, now, item.amount, item.get_expiry(), cost)
    results = pipeline.execute(raise_on_error=False)
    return [
        # An error is a script Redis no longer holds (it restarted): `hit` loads it again.
        limiter.hit(item, *name, cost=cost) if isinstance(result, Exception) else bool(result)
        for name, cost, result in zip(names, costs, results, strict=True)
    ]


def people_per_address(event: Event) -> int:
    """How many people this dialogue expects behind one address (a hall on one network)."""
    return event.people_per_address or settings.DIALOGUE["PEOPLE_PER_ADDRESS"]


def join_rates(people: int) -> tuple[RateLimitItem, RateLimitItem]:
    """Nickname joins per address: the whole hall within five minutes, twice over in an hour."""
    # 300 people: 60 a minute and 600 an hour. A script with fresh cookie jars is held to the
    # pace of a hall; it cannot be told from one (docs/security.md, "Limits").
    return RateLimitItemPerMinute(max(10, math.ceil(people / 5))), RateLimitItemPerHour(2 * people)


def check_join(*, event: Event, ip: str | None) -> None:
    """Count one nickname join from `ip` to `event`; refuse it over the address's limits."""
    key = address(ip)
    if key is None:
        return
    limiter, name = _limiter(), ("dialogue", "join", str(event.pk), key)
    rates = join_rates(people_per_address(event))
    try:
        # Tested first, then counted: a refused join uses up neither window.
        allowed = all(limiter.test(rate, *name) for rate in rates)
        if allowed:
            for rate in rates:
                limiter.hit(rate, *name)
    except (RedisError, OSError):
        log.warning("join limits are not counted: Redis is unreachable", exc_info=True)
        return
    if not allowed:
        raise RateLimited(
            _("Many people are joining from your network. Please try again in a minute."),
            code="join_rate_limited",
        )


def reset() -> None:
    """Forget every counter (tests)."""
    _limiter().storage.reset()
