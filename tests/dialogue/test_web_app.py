"""The event page on a phone: installable (manifest, service worker), light on 3G, the stream."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse

from tests.factories import (
    EventFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db


def test_the_manifest_and_service_worker_let_citizens_install_the_app(client):
    manifest = json.loads(client.get(reverse("dialogue:manifest")).content)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        # A file response holds its file open until the server closes it, after sending; a
        # server's close also ends the request's database connection, which the test keeps.
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    worker = client.get(reverse("dialogue:service_worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert "offline.html" in worker.content.decode()
    page = client.get(reverse("dialogue:catalogue")).content.decode()
    assert 'rel="manifest"' in page
    assert "js/pwa.js" in page


def test_the_event_page_is_light_enough_for_slow_3g(client):
    """HTML, CSS and scripts (with their imports) of a busy live event page, uncompressed."""
    event = EventFactory()
    for number in range(30):
        QuestionFactory(event=event, text=f"Câu hỏi số {number} về đăng ký kinh doanh hộ gia đình?")
    html = client.get(event.get_absolute_url()).content
    pending = [r.decode() for r in re.findall(rb'(?:src|href)="/static/([^"]+)"', html)]
    seen: set[str] = set()
    assets = 0
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        path = finders.find(name)
        assert path, name
        content = Path(path).read_bytes()
        assets += len(content)
        if name.endswith(".js"):
            folder = name.rpartition("/")[0]
            pending += [
                f"{folder}/{m}" for m in re.findall(r'from "\./([\w.-]+)"', content.decode())
            ]
    assert "js/live-socket.js" in seen
    # Slow 3G moves ~50 KB/s: under 100 KB uncompressed (about 12 KB gzipped, measured in
    # docs/integration.md), the page is readable in about two seconds on the first visit.
    assert len(html) + assets < 100_000, (len(html), assets)


def test_a_youtube_stream_is_shown_in_the_event_page_and_allowed_by_the_policy(client):
    event = EventFactory(stream_url="https://www.youtube.com/watch?v=abcdefghijk")
    response = client.get(event.get_absolute_url())
    assert 'src="https://www.youtube-nocookie.com/embed/abcdefghijk"' in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in policy
    facebook = EventFactory(stream_url="https://www.facebook.com/stp/videos/1234567890/")
    page = client.get(facebook.get_absolute_url())
    assert 'src="https://www.facebook.com/plugins/video.php?href=' in page.content.decode()
    assert "https://www.facebook.com" in page["Content-Security-Policy"]
    other = EventFactory(stream_url="https://stream.example.org/live")
    page = client.get(other.get_absolute_url()).content.decode()
    assert "<iframe" not in page
    assert 'href="https://stream.example.org/live"' in page
