"""The loopback probes answer whatever the Host header, and only to loopback (config/probes.py).

With ALLOWED_HOSTS naming the site only, as docs/operations.md installs it, the unit's start
check, `curl http://127.0.0.1:8001/readyz` and Prometheus's scrapes name `127.0.0.1:8001`.
"""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

SITE = "doithoai.example.gov.vn"
PROBES = ("/healthz", "/readyz", "/metrics")


@pytest.fixture
def site_only(settings, task_worker_seen):  # type: ignore[no-untyped-def]
    settings.ALLOWED_HOSTS = [SITE]
    return settings


@pytest.mark.parametrize("path", PROBES)
@pytest.mark.parametrize("host", ["127.0.0.1:8001", "[::1]:8002", "localhost", "anything.example"])
def test_a_loopback_probe_is_answered_whatever_its_host(site_only, path, host):
    response = Client(HTTP_HOST=host).get(path)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", PROBES)
def test_a_loopback_probe_over_ipv6_is_answered(site_only, path):
    assert Client(REMOTE_ADDR="::1", HTTP_HOST="[::1]:8001").get(path).status_code == 200


@pytest.mark.parametrize("path", PROBES)
@pytest.mark.parametrize("address", ["203.0.113.9", "10.1.2.3", "2001:db8::1", ""])
def test_a_probe_from_any_other_address_is_refused(site_only, path, address):
    for host in (SITE, "127.0.0.1:8001"):
        response = Client(REMOTE_ADDR=address, HTTP_HOST=host).get(path)
        assert response.status_code == 404, (address, host, response.status_code)


def test_metrics_still_follow_their_own_list_of_addresses(site_only):
    site_only.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    from config import metrics

    metrics._allowed_networks.cache_clear()
    try:
        scraper = Client(REMOTE_ADDR="10.1.2.3", HTTP_HOST="10.0.0.5:8001")
        assert scraper.get("/metrics").status_code == 200
        # The health probes stay loopback's.
        assert scraper.get("/readyz").status_code == 404
    finally:
        metrics._allowed_networks.cache_clear()


def test_every_other_page_still_checks_the_host(site_only):
    event = EventFactory()
    assert Client(HTTP_HOST="127.0.0.1:8001").get("/").status_code == 400
    assert Client(HTTP_HOST="127.0.0.1:8001").get(f"/e/{event.slug}/").status_code == 400
    # Not a way round the check: a probe's path with something after it is an ordinary path.
    assert Client(HTTP_HOST="127.0.0.1:8001").get("/healthz/").status_code == 400
    assert Client(HTTP_HOST=SITE).get("/").status_code == 200


async def test_a_socket_from_a_loopback_origin_is_still_refused(site_only):
    from config.asgi import application

    communicator = WebsocketCommunicator(
        application,
        "/ws/events/anything/",
        headers=[(b"host", b"127.0.0.1:8001"), (b"origin", b"http://127.0.0.1:8001")],
    )
    connected, _code = await communicator.connect()
    assert connected is False
    await communicator.disconnect()
