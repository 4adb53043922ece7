"""Zalo: the asker told each step on Zalo, by the agency's Official Account (dialogue/notices.py).

A ZNS (Zalo Notification Service) template message to the phone number the asker left, when
they agreed to be told there and the installation has switched Zalo on (`ZALO_ZNS_ENABLED`).
The template is approved by Zalo beforehand, with three parameters: `ma_tra_cuu` (the tracking
code), `trang_thai` (the step) and `ngay` (the date due, or of the step). Following Zalo's
published HTTP API:

- send: POST {ZALO_API_URL}/message/template, header `access_token`, JSON body `phone`
  (84…), `template_id`, `template_data`, `tracking_id`; the answer's `error` is 0 when sent;
- the access token lasts about a day; a refresh, POST {ZALO_OAUTH_URL}/v4/oa/access_token,
  header `secret_key`, form `app_id`, `grant_type=refresh_token`, `refresh_token`, returns a
  new access token and a new refresh token, the old one no longer valid: the pair is kept in
  the database (`ZaloToken`), refreshed by one worker at a time.

Run by the task worker only. Zalo down, a network error or a rate limit raises
`ZaloUnavailable`, which the task retries; an expired token is refreshed and the message sent
again at once; any other refusal (a number not on Zalo, a template not approved) raises
`ZaloRefused`, logged and not retried.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dialogue.models import ZaloToken

logger = logging.getLogger(__name__)

# Zalo's `error` codes that this module acts on (developers.zalo.me, "Bảng mã lỗi").
INVALID_ACCESS_TOKEN = -124
RATE_LIMITED = -32
# A token is refreshed this long before Zalo says it expires.
EARLY = timedelta(minutes=5)


class ZaloUnavailable(Exception):
    """Zalo could not take the message now: try again later."""


class ZaloRefused(Exception):
    """Zalo refused the message, or the tokens, for good: an operator must look."""


def enabled() -> bool:
    return bool(settings.ZALO_ZNS_ENABLED)


def zns_phone(phone: str) -> str:
    """A stored Vietnamese number ("0912345678") as Zalo takes it ("84912345678")."""
    return "84" + phone[1:] if phone.startswith("0") else phone


def _post(url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = requests.post(url, timeout=settings.NOTIFY_TIMEOUT, **kwargs)
    except requests.RequestException as error:
        raise ZaloUnavailable(f"{url}: {error}") from error
    if response.status_code == 429 or response.status_code >= 500:
        raise ZaloUnavailable(f"{url}: HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        raise ZaloRefused(f"{url}: HTTP {response.status_code}, not JSON") from None
    if not isinstance(answer, dict):
        raise ZaloRefused(f"{url}: HTTP {response.status_code}, not an object")
    return answer


def _tokens() -> ZaloToken:
    token = ZaloToken.objects.select_for_update().order_by("pk").first()
    if token is None:
        token = ZaloToken.objects.create(refresh_token=settings.ZALO_REFRESH_TOKEN)
    return token


def access_token(*, stale: str = "") -> str:
    """A valid access token: the kept one, or a new one when it expires or is `stale`."""
    with transaction.atomic():
        token = _tokens()
        fresh = token.expires_at is not None and token.expires_at - EARLY > timezone.now()
        if token.access_token and fresh and token.access_token != stale:
            return token.access_token
        answer = _post(
            f"{settings.ZALO_OAUTH_URL}/v4/oa/access_token",
            headers={"secret_key": settings.ZALO_APP_SECRET},
            data={
                "app_id": settings.ZALO_APP_ID,
                "grant_type": "refresh_token",
                "refresh_token": token.refresh_token,
            },
        )
        if not answer.get("access_token") or not answer.get("refresh_token"):
            raise ZaloRefused(
                f"Zalo refused to refresh the access token ({answer.get('error', '?')}): "
                "authorise the Official Account again and set ZALO_REFRESH_TOKEN"
            )
        token.access_token = str(answer["access_token"])
        token.refresh_token = str(answer["refresh_token"])
        token.expires_at = timezone.now() + timedelta(seconds=int(answer.get("expires_in", 0)))
        token.save()
        return token.access_token


def send_template(*, phone: str, data: dict[str, str], tracking_id: str) -> str:
    """Send the template message to one number; Zalo's message id."""
    body = {
        "phone": zns_phone(phone),
        "template_id": settings.ZALO_ZNS_TEMPLATE_ID,
        "template_data": data,
        "tracking_id": tracking_id,
    }
    token = access_token()
    for attempt in (1, 2):
        answer = _post(
            f"{settings.ZALO_API_URL}/message/template",
            headers={"access_token": token},
            json=body,
        )
        error = answer.get("error")
        if error == 0:
            return str((answer.get("data") or {}).get("msg_id", ""))
        if error == INVALID_ACCESS_TOKEN and attempt == 1:
            token = access_token(stale=token)
            continue
        if error == RATE_LIMITED:
            raise ZaloUnavailable(f"Zalo: rate limited ({answer.get('message', '')})")
        raise ZaloRefused(f"Zalo refused the message: {error} {answer.get('message', '')}")
    raise ZaloRefused("Zalo refused the refreshed access token")
