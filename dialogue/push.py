"""Web Push: an asker's browser told each step of their question's life (dialogue/notices.py).

The asker subscribes from their private page. The browser hands over the address of its push
service and its keys; the task worker encrypts each message for those keys (RFC 8291,
`aes128gcm`) and signs the request with the installation's VAPID key (RFC 8292), through
`pywebpush`. The address must be an https address of a known push service
(`WEBPUSH_PUSH_SERVICES`): the worker never posts where a visitor chose.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from dialogue.models import Participant, PushSubscription
from live.errors import InvalidMessage

logger = logging.getLogger(__name__)

# A browser or two per asker is the use; past this, the oldest subscription goes.
MOST_SUBSCRIPTIONS = 5


class PushUnavailable(Exception):
    """The push service could not take the message now (network, 429, 5xx): try again later."""


def enabled() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> str:
    """A new VAPID private key: the raw P-256 scalar, base64url (`WEBPUSH_VAPID_PRIVATE_KEY`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key(private_key: str | None = None) -> str:
    """The VAPID public key browsers subscribe with (`applicationServerKey`), base64url."""
    raw = _unb64url(private_key or settings.WEBPUSH_VAPID_PRIVATE_KEY)
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(point)


def _known_push_service(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(
        host == known or host.endswith("." + known)
        for known in (name.lower().strip() for name in settings.WEBPUSH_PUSH_SERVICES)
        if known
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def clean_subscription(endpoint: Any, p256dh: Any, auth: Any) -> tuple[str, str, str]:
    """The endpoint and keys of a browser's push subscription, or refused.

    The endpoint is an https address of a known push service (plain http only to a known
    service on this machine, for a local test endpoint); `p256dh` is an uncompressed P-256 point
    and `auth` a 16-byte secret, both base64url.
    """
    invalid = InvalidMessage(_("This browser's subscription is not valid."), code="invalid_push")
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        raise invalid
    if len(endpoint) > 1000 or len(p256dh) > 100 or len(auth) > 40:
        raise invalid
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        point, secret = _unb64url(p256dh), _unb64url(auth)
    except (ValueError, binascii.Error):
        raise invalid from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))
    if not secure or parts.username or parts.password or not _known_push_service(host):
        raise InvalidMessage(
            _("Notifications from this browser's push service are not accepted here."),
            code="unknown_push_service",
        )
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        raise invalid
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise invalid from None
    return endpoint, p256dh, auth


def subscribe(
    *, participant: Participant, endpoint: Any, p256dh: Any, auth: Any
) -> PushSubscription:
    """Keep this browser's subscription for the asker (again: its keys are refreshed)."""
    if not enabled():
        raise InvalidMessage(_("Notifications in the browser are not offered here."), code="off")
    endpoint, p256dh, auth = clean_subscription(endpoint, p256dh, auth)
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            participant=participant, endpoint=endpoint, defaults={"p256dh": p256dh, "auth": auth}
        )
        kept = PushSubscription.objects.filter(participant=participant).order_by("-created_at")
        stale = list(kept.values_list("pk", flat=True)[MOST_SUBSCRIPTIONS:])
        PushSubscription.objects.filter(pk__in=stale).delete()
    return subscription


def unsubscribe(*, participant: Participant, endpoint: Any) -> int:
    """Forget this browser's subscription; how many were forgotten (0 or 1)."""
    if not isinstance(endpoint, str):
        raise InvalidMessage(_("This browser's subscription is not valid."), code="invalid_push")
    deleted, _rows = PushSubscription.objects.filter(
        participant=participant, endpoint=endpoint
    ).delete()
    return deleted


def payload(*, title: str, body: str, url: str) -> dict[str, str]:
    """What a notification shows, and the page a tap opens: no words of the question, no name."""
    return {"title": title[:120], "body": body[:240], "url": url}


def send(subscription_id: int, message: dict[str, str]) -> None:
    """Encrypt and post one message to one browser's push service (run by the task worker).

    A subscription gone from its push service (404, 410) is deleted and not tried again; one
    whose service cannot take it now (a network error, 429, 5xx) raises `PushUnavailable`, which
    the task retries; any other refusal is an error, logged and not retried.
    """
    from pywebpush import WebPushException, webpush
    from requests import RequestException

    subscription = PushSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return  # unsubscribed, renewed or erased since
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        webpush(
            info,
            data=json.dumps(message, ensure_ascii=False),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            ttl=settings.WEBPUSH_TTL,
            timeout=settings.NOTIFY_TIMEOUT,
            headers={"Urgency": "normal"},
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in (404, 410):
            subscription.delete()
            logger.info("push subscription %s is gone (%s): deleted", subscription_id, status)
            return
        if status is None or status == 429 or status >= 500:
            raise PushUnavailable(f"push service answered {status}") from error
        raise
    except RequestException as error:
        raise PushUnavailable(str(error)) from error
