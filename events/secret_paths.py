"""The paths that carry a secret: whoever has the link gets in, as with a password-reset link.

One list for every place that must keep them to itself: the application's log
(`config/logs.py` masks them in every line), nginx's access log (the maps of
`deploy/nginx/logging.conf`, checked against this list by `tests/test_secret_links.py`), the
service worker, which never keeps such a page (`templates/dialogue/service-worker.js`), and
the pages themselves, sent with `Referrer-Policy: no-referrer` (`config/secret_links.py`).

Each entry names the path segment (or segments) after which the next one is the secret,
wherever it stands in a path or a query string's `next=`. Plain Python, with nothing of Django:
the settings read it to configure logging.
"""

from __future__ import annotations

import re

SECRET_PREFIXES: tuple[str, ...] = (
    # The stage screen's link, and its socket (/ws/stage/<token>/).
    "stage",
    # An invitation to a role.
    "invitations",
    # An asker's private link (/e/<slug>/mine/<token>/): their questions, erasing their data,
    # renewing the link.
    "mine",
    # allauth's email confirmation and password reset keys.
    "accounts/confirm-email",
    "accounts/password/reset/key",
)
_ALTERNATIVES = "|".join(SECRET_PREFIXES)

# A secret link anywhere in a text (a log line, a path, a query string's `next=`): group 1 is
# what comes before the secret segment, which is the rest up to the next `/`, `?` or `#`.
SECRET_PATH = re.compile(r"(/(?:" + _ALTERNATIVES + r")/)[^/\s?#\"']+")


def carries_secret(url: str) -> bool:
    """Whether a path, with its query string or not, holds a secret link."""
    return SECRET_PATH.search(url) is not None


def nginx_map_regex(head: str, tail: str) -> str:
    """The regex of an nginx `map` entry that masks the secret segment of `$request_uri` (or
    `$http_referer`), keeping what comes before in `head` and after in `tail`."""
    return rf"~^(?<{head}>.*/(?:{_ALTERNATIVES})/)[^/?#]+(?<{tail}>.*)$"


def service_worker_patterns() -> list[str]:
    """JavaScript regex sources of the pages the service worker never keeps: a path with one of
    the prefixes anywhere in it, as the logs mask them."""
    return [f"/{prefix}/" for prefix in SECRET_PREFIXES]
