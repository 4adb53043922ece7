"""Playwright with Debian's Chromium, and a live daphne server with websockets."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.test import TransactionTestCase, override_settings
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

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
# A current phone: 390×844 CSS pixels.
PHONE_390 = {**PHONE, "viewport": {"width": 390, "height": 844}}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
T = TypeVar("T")


def in_thread(work: Callable[[], T]) -> T:
    """Run `work` (ORM writes through the services) in a worker thread and return its result.

    The services broadcast after commit through `async_to_sync`, which refuses to run in this
    thread, where Playwright's event loop runs; from a worker thread the broadcast goes out to
    the test process's own (empty) channel layer, and the live server sees the database.
    """

    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result()


def settled(page: Page) -> None:
    """Wait until the page's socket is open: its connection line reads live, or, for a dialogue
    that has ended, that it has ended."""
    if page.locator("#connection").count():
        expect(page.locator("#connection")).to_have_attribute("data-state", SETTLED)


SETTLED = re.compile(r"^(live|ended)$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """daphne serving the project on the test database, as a real separate process.

    A forked copy of the test process would inherit thread pools whose threads do not exist
    in the child, so the server is started fresh, the way `make run` starts it.
    """

    def __init__(
        self, database: str, extra_env: dict[str, str] | None = None, *, worker: bool = False
    ) -> None:
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
        # The task worker beside the server, as `make run` starts it (it sends queued mail).
        self.with_worker = worker
        self.worker: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.with_worker:
            self.worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
                cwd=Path(__file__).resolve().parents[2],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
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
        # Generous: on a loaded machine importing Django alone can take many seconds.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the live server exited at start") from None
                time.sleep(0.1)
        raise RuntimeError("the live server did not start in 120 s")

    def stop(self) -> None:
        """Stop daphne (and its task worker): a graceful stop waits for open sockets; on a busy
        machine, end it."""
        for process in (self.process, self.worker):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.process = self.worker = None

    def restart(self, while_down: Callable[[], None] | None = None) -> None:
        """Stop daphne and start it again on the same port, as a deploy or a crash would: the
        pages' sockets drop and must find the server again at the same address by themselves.
        `while_down` runs between the two, e.g. to change the database behind the pages' back."""
        self.stop()
        if while_down is not None:
            while_down()
        self.start()


# An assertion waits for its condition this long before failing (Playwright's default is 5 s,
# which a loaded machine can exceed without anything being wrong).
expect.set_options(timeout=20_000)


@pytest.mark.browser
class BrowserTestCase(TransactionTestCase):
    """A live server in its own process and one Chromium shared by the tests of a class."""

    serialized_rollback = False
    # Extra environment of the live server process, e.g. a file-based email backend.
    server_env: dict[str, str] = {}
    # Whether the task worker runs beside the server (for the tests that read queued mail).
    server_worker = False
    # Whether the server and the test share one cache, in files, as the server and the task
    # worker do with CACHE_URL: what a task keeps (a live room's themes) reaches the server.
    shared_cache = False
    server: LiveServer
    playwright: Playwright
    browser: Browser

    @property
    def live_server_url(self) -> str:
        return self.server.url

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        env = dict(cls.server_env)
        cls.cache_folder = ""
        if cls.shared_cache:
            cls.cache_folder = tempfile.mkdtemp(prefix="browser-cache-")
            env["CACHE_URL"] = f"filecache://{cls.cache_folder}"
            backend = "django.core.cache.backends.filebased.FileBasedCache"
            cls.cache_settings = override_settings(
                CACHES={"default": {"BACKEND": backend, "LOCATION": cls.cache_folder}}
            )
            cls.cache_settings.enable()
        cls.server = LiveServer(
            str(connection.settings_dict["NAME"]), env, worker=cls.server_worker
        )
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
        if cls.cache_folder:
            cls.cache_settings.disable()
            shutil.rmtree(cls.cache_folder, ignore_errors=True)
        super().tearDownClass()

    def new_context(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.live_server_url,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            **(options or DESKTOP),
        )
        # Generous waits: CI may run beside other work on the machine's two cores.
        context.set_default_timeout(30_000)
        self.addCleanup(context.close)
        return context


def select_words(page: Page, selector: str, words: str) -> None:
    """Select these words in the first element matching `selector` that has them, as a long
    press and a drag of the handles do on a phone."""
    page.evaluate(
        """([selector, words]) => {
            for (const element of document.querySelectorAll(selector)) {
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const at = node.data.indexOf(words);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + words.length);
                const selection = document.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return;
            }
            }
            throw new Error(`no “${words}” in ${selector}`);
        }""",
        [selector, words],
    )
