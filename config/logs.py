"""Logs: JSON lines in production, readable text in development, secrets masked in both.

Every line written while a request or a socket is served carries its `request_id` (taken from
nginx's `X-Request-ID`, so nginx's access log and ours share it) or its `socket_id`. Links that
are secrets by themselves (the one list of `events/secret_paths.py`: the stage screen's, an
invitation's, an asker's private link, allauth's email confirmation and password reset keys)
are masked in every line, whatever logger wrote it, and so is the query string of the admin's
pages: its search box is a GET, and it finds people by nickname, email or the words of a
question. No line carries a request's body. LOG_FORMAT chooses the format (`json` or `text`;
the default follows DEBUG).
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

from events.secret_paths import SECRET_PATH  # the one list of links that are secrets

MASK = r"\1***"
# The admin's search (`?q=`) and the search it carries back from a change page
# (`?_changelist_filters=`) hold what was typed: a nickname, an email, a question's words.
ADMIN_QUERY = re.compile(r"(/admin/[^?\s\"']*\?)[^\s\"'#]+")


def mask_secrets(text: str) -> str:
    """`text` with every secret link segment, and every admin query string, replaced by `***`."""
    return ADMIN_QUERY.sub(MASK, SECRET_PATH.sub(MASK, text))


def mask_secrets_processor(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: masks secret links in every string of the line."""
    for key, value in event_dict.items():
        if isinstance(value, str) and "/" in value:
            event_dict[key] = mask_secrets(value)
    return event_dict


class WebsocketChatterFilter(logging.Filter):
    """Drops uvicorn's lines for every accepted websocket ("[accepted]", "connection open").

    Our access log has one line when a socket opens and one when it ends, with its id; uvicorn's
    more per socket would be most of the log when thousands join at once. Refusals stay.
    """

    CHATTER = frozenset({'%s - "WebSocket %s" [accepted]', "connection open", "connection closed"})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.CHATTER


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_settings(*, log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING dict: every logger, ours and the libraries', through one structlog formatter."""
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    # Exceptions are turned into text before masking: a traceback can quote a secret link.
    renderer: list[Any] = [
        structlog.processors.format_exc_info,
        mask_secrets_processor,
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False),
    ]
    # Python's warnings as log lines too (logger "py.warnings"), not bare text on stderr.
    logging.captureWarnings(True)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    *renderer,
                ],
                "foreign_pre_chain": _SHARED,
            }
        },
        "filters": {"websocket_chatter": {"()": WebsocketChatterFilter}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console handler would print its lines a second time, unformatted.
            "django": {"handlers": [], "level": level, "propagate": True},
            # Its 4xx lines come after the request's context is gone, and repeat our access
            # line; its 5xx lines (with the traceback) come while it is still there.
            "django.request": {"level": "ERROR"},
            "django.channels.server": {"level": "WARNING"},
            # One access line per request (request_finished); request_started is at DEBUG.
            "django_structlog": {"level": level},
            # uvicorn set up its own text handlers before loading the application; these lines
            # replace them, so that its lines are formatted (and masked) like ours.
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.error": {
                "level": level,
                "propagate": True,
                "filters": ["websocket_chatter"],
            },
            # Its access log repeats ours without the request id: off, whatever its options say.
            "uvicorn.access": {"level": "WARNING", "propagate": True},
        },
    }
