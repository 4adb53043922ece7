"""Playwright with Debian's Chromium, and a live daphne server with websockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

import pytest
from django.db import connection
from django.test import TransactionTestCase
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (to arrange data) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """daphne serving the project on the test database, as a real separate process.

    A forked copy of the test process would inherit thread pools whose threads do not exist
    in the child, so the server is started fresh, the way `make run` starts it.
    """

    def __init__(self, database: str, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        for name in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
            self.env.pop(name, None)
        self.env.update(extra_env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "config.asgi:application",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the live server exited at start") from None
                time.sleep(0.1)
        raise RuntimeError("the live server did not start in 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.mark.browser
class BrowserTestCase(TransactionTestCase):
    """A live server in its own process and one Chromium shared by the tests of a class."""

    serialized_rollback = False
    # Extra environment of the live server process, e.g. a file-based email backend.
    server_env: dict[str, str] = {}
    server: LiveServer
    playwright: Playwright
    browser: Browser

    @property
    def live_server_url(self) -> str:
        return self.server.url

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server = LiveServer(str(connection.settings_dict["NAME"]), cls.server_env)
        cls.server.start()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        cls.server.stop()
        super().tearDownClass()

    def new_context(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.live_server_url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            **(options or DESKTOP),
        )
        context.set_default_timeout(10_000)
        self.addCleanup(context.close)
        return context
