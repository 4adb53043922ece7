"""Real HTTP servers on loopback for the asker's notices: a browser's push service, which
decrypts each message with the browser's keys and checks its VAPID signature, and a server
that speaks Zalo's published ZNS and OAuth API and checks each request's shape and tokens.

They run in a thread of the test process; the task worker's requests reach them over TCP.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


Handle = Callable[[BaseHTTPRequestHandler, bytes], tuple[int, dict[str, Any] | bytes]]


class _Server:
    def __init__(self, handle: Handle) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = outer.handle(self, body)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.handle = handle
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Web Push ------------------------------------------------------------------------------------


@dataclass
class Pushed:
    """One message as the push service received and the browser decrypted it."""

    path: str
    headers: dict[str, str]
    message: dict[str, Any]
    claims: dict[str, Any]


class PushService(_Server):
    """A push service and the browser behind it: the browser's keys are made here, as a browser
    makes them, and each message is decrypted with them (RFC 8291) and its VAPID token checked
    against the key it names (RFC 8292). `status` is what the service answers next."""

    def __init__(self) -> None:
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = secrets.token_bytes(16)
        self.received: list[Pushed] = []
        self.refused: list[str] = []
        self.status = 201
        super().__init__(self._handle)

    def subscription(self, name: str = "browser-1") -> dict[str, Any]:
        """What `PushSubscription.toJSON()` hands the page."""
        point = self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.url}/push/{name}",
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }

    def _claims(self, authorization: str) -> dict[str, Any]:
        match = re.fullmatch(r"vapid t=([\w\-.]+),\s*k=([\w\-]+)", authorization)
        if match is None:
            raise ValueError(f"not a VAPID authorization: {authorization!r}")
        token, key = match.groups()
        head, claims, signature = token.split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        if json.loads(unb64url(head)) != {"typ": "JWT", "alg": "ES256"}:
            raise ValueError("not an ES256 JWT")
        return {**json.loads(unb64url(claims)), "k": key}

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, Any]]:
        status = self.status
        if status >= 300:
            return status, {"error": "as asked"}
        try:
            claims = self._claims(request.headers.get("Authorization", ""))
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("not aes128gcm")
            plain = http_ece.decrypt(
                body, private_key=self.browser_key, auth_secret=self.auth, version="aes128gcm"
            )
        except Exception as error:  # whatever fails, the browser cannot read it
            self.refused.append(repr(error))
            return 400, {"error": repr(error)}
        self.received.append(
            Pushed(
                path=request.path,
                headers={key.lower(): value for key, value in request.headers.items()},
                message=json.loads(plain),
                claims=claims,
            )
        )
        return 201, {}


# --- Zalo ---------------------------------------------------------------------------------------

APP_ID = "4291763606161179100"
APP_SECRET = "zalo-app-secret"
TEMPLATE_ID = "355330"
PHONE = re.compile(r"84\d{9,10}")
DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
PARAMETERS = {"ma_tra_cuu", "trang_thai", "ngay"}


@dataclass
class Zalo(_Server):
    """Zalo's ZNS and OAuth endpoints as published: a refresh token works once and brings the
    next; a message needs the current access token in the `access_token` header, a phone number
    84…, the approved template and its parameters (30 characters at most). `expire()` makes the
    current access token invalid (-124); `rate_limited` answers -32; `refuse_with` any other
    error code."""

    refresh_token: str = "RT-0"
    access_token: str = ""
    issued: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    refreshes: int = 0
    rate_limited: bool = False
    refuse_with: int = 0
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self._handle)

    def expire(self) -> None:
        self.access_token = f"expired-{self.access_token}"

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, Any]]:
        if request.path == "/v4/oa/access_token":
            return 200, self._refresh(request, body)
        if request.path == "/message/template":
            return 200, self._send(request, body)
        return 404, {"error": 404}

    def _refresh(self, request: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        if request.headers.get("secret_key") != APP_SECRET:
            return {"error": -14002, "error_name": "Invalid secret key"}
        if form != {
            "app_id": APP_ID,
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
        }:
            self.problems.append(f"refresh: {form}")
            return {"error": -14014, "error_name": "Invalid refresh token"}
        self.issued += 1
        self.refreshes += 1
        self.access_token = f"AT-{self.issued}"
        self.refresh_token = f"RT-{self.issued}"
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_in": "90000",
        }

    def _send(self, request: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            self.problems.append("not JSON")
            return {"error": -100, "message": "Invalid parameter"}
        token = request.headers.get("access_token", "")
        if not self.access_token or token != self.access_token:
            return {"error": -124, "message": "Access token is invalid"}
        if self.rate_limited:
            return {"error": -32, "message": "Exceeded the limit of requests"}
        if self.refuse_with:
            return {"error": self.refuse_with, "message": "Refused"}
        message = json.loads(body)
        data = message.get("template_data", {})
        checks = {
            "keys": set(message) == {"phone", "template_id", "template_data", "tracking_id"},
            "phone": bool(PHONE.fullmatch(str(message.get("phone")))),
            "template": message.get("template_id") == TEMPLATE_ID,
            "parameters": set(data) == PARAMETERS,
            "lengths": all(isinstance(v, str) and 0 < len(v) <= 30 for v in data.values()),
            "date": bool(DATE.fullmatch(str(data.get("ngay")))),
            "tracking": 0 < len(str(message.get("tracking_id", ""))) <= 48,
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            self.problems.append(f"message {wrong}: {message}")
            return {"error": -100, "message": f"Invalid parameter: {wrong}"}
        self.sent.append(message)
        return {
            "error": 0,
            "message": "Success",
            "data": {"msg_id": f"msg-{len(self.sent)}", "sent_time": "1700000000000"},
        }
