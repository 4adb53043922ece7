"""The Prometheus endpoint: who may read it, and its series moving under a small load."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import resolve
from prometheus_client.parser import text_string_to_metric_families

from live import metrics as live_metrics
from tests.factories import EventFactory, ParticipantFactory, QuestionFactory
from tests.socket import open_socket, session_cookie

# The series a dashboard needs, each present from the first scrape.
SERIES = {
    "doithoai_sockets_open",
    "doithoai_frames_sent",
    "doithoai_frame_bytes_sent",
    "doithoai_sockets_dropped_backlog",
    "doithoai_resyncs_served",
    "doithoai_snapshots_served",
    "doithoai_ask_ack_seconds",
    "doithoai_vote_ack_seconds",
    "doithoai_vote_batch_size",
    "doithoai_http_request_seconds",
}


def scrape(address: str = "127.0.0.1") -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET /metrics as Prometheus would; every sample by name and labels."""
    response = Client(REMOTE_ADDR=address).get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def families(samples: dict) -> set[str]:  # type: ignore[type-arg]
    names = {name for name, _ in samples}
    return {
        name.removesuffix(suffix)
        for name in names
        for suffix in ("_total", "_count", "_sum", "_bucket", "")
        if name.endswith(suffix)
    }


@pytest.mark.django_db
def test_only_allowed_addresses_may_read_the_metrics(settings):
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    from config import metrics

    metrics._allowed_networks.cache_clear()
    try:
        assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
        assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    finally:
        metrics._allowed_networks.cache_clear()


@pytest.mark.django_db
def test_every_named_series_is_exported_from_the_start():
    samples = scrape()
    assert families(samples) >= SERIES
    for audience in live_metrics.AUDIENCES:
        assert (("doithoai_sockets_open", (("audience", audience),))) in samples


@pytest.mark.django_db
def test_http_latency_is_labelled_by_view_not_by_path(event):
    path = event.get_absolute_url()
    view = resolve(path).view_name
    key = ("doithoai_http_request_seconds_count", (("method", "GET"), ("view", view)))
    before = scrape().get(key, 0)
    assert Client().get(path).status_code == 200
    assert Client().get(path).status_code == 200
    samples = scrape()
    assert samples[key] == before + 2
    assert not any(event.slug in str(labels) for _, labels in samples)


def test_the_socket_helpers_move_their_series():
    def value(name, **labels):  # type: ignore[no-untyped-def]
        from prometheus_client import REGISTRY

        return REGISTRY.get_sample_value(name, labels) or 0

    opened = value("doithoai_sockets_open", audience="stage")
    frames, sent = value("doithoai_frames_sent_total"), value("doithoai_frame_bytes_sent_total")
    live_metrics.socket_opened("stage")
    live_metrics.frame_sent(100, sockets=3)
    assert value("doithoai_sockets_open", audience="stage") == opened + 1
    assert value("doithoai_frames_sent_total") == frames + 3
    assert value("doithoai_frame_bytes_sent_total") == sent + 300
    live_metrics.socket_closed("stage")
    assert value("doithoai_sockets_open", audience="stage") == opened
    for helper, name in (
        (live_metrics.socket_dropped_for_backlog, "doithoai_sockets_dropped_backlog_total"),
        (live_metrics.resync_served, "doithoai_resyncs_served_total"),
        (live_metrics.snapshot_served, "doithoai_snapshots_served_total"),
    ):
        before = value(name)
        helper()
        assert value(name) == before + 1


@pytest.mark.django_db(transaction=True)
async def test_asks_and_votes_over_real_sockets_move_their_series():
    event = await sync_to_async(EventFactory)()
    question = await sync_to_async(QuestionFactory)(event=event, text="Câu hỏi đã duyệt")
    before = await sync_to_async(scrape)()
    clients = []
    for n in range(3):
        participant = await sync_to_async(ParticipantFactory)(event=event, nickname=f"Người {n}")
        cookie = await session_cookie(participant_id=participant.pk, event_id=event.pk)
        accepted, client, _snapshot = await open_socket(event.slug, cookie=cookie)
        assert accepted
        clients.append(client)
    for client in clients:
        await client.send({"type": "vote", "question": question.pk})
    for client in clients:
        await client.next_of("voted", timeout=10)
        await client.send({"type": "ask", "client_id": str(uuid.uuid4()), "text": "Hỏi gì?"})
        await client.next_of("asked", timeout=10)
        await client.communicator.disconnect()
    after = await sync_to_async(scrape)()

    def moved(name: str) -> float:
        return after[(name, ())] - before.get((name, ()), 0)

    assert moved("doithoai_ask_ack_seconds_count") == 3
    assert moved("doithoai_vote_ack_seconds_count") == 3
    assert moved("doithoai_vote_batch_size_sum") == 3  # three votes, in one batch or more
    assert 1 <= moved("doithoai_vote_batch_size_count") <= 3
    assert moved("doithoai_ask_ack_seconds_sum") > 0


@pytest.mark.django_db
def test_the_task_queue_depth_counts_the_tasks_waiting_in_its_table():
    from config.metrics import TaskQueueCollector
    from events.tasks import deliver_email

    def depth() -> float:
        (family,) = TaskQueueCollector().collect()
        return sum(sample.value for sample in family.samples)

    assert depth() == 0
    deliver_email.enqueue({"subject": "s", "body": "b", "to": ["a@example.gov.vn"]})
    deliver_email.enqueue({"subject": "s", "body": "b", "to": ["b@example.gov.vn"]})
    assert depth() == 2


@pytest.mark.django_db
def test_the_dashboard_and_the_alerts_name_only_series_that_exist(settings, tmp_path):
    import re
    import subprocess
    from pathlib import Path

    # The backup's and the restore drill's series exist once each has run (deploy/status.sh).
    settings.BACKUP_DIR = tmp_path
    for name in ("backup.status", "restore-drill.status"):
        subprocess.run(
            ["bash", "-c", '. deploy/status.sh && write_status "$1" 0', "-", tmp_path / name],
            cwd=Path(__file__).resolve().parents[2],
            check=True,
        )
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    text = (deploy / "grafana" / "doithoai-dashboard.json").read_text()
    text += (deploy / "prometheus" / "doithoai-alerts.yml").read_text()
    named = {
        re.sub(r"_(bucket|sum|count|total)$", "", name)
        for name in re.findall(r"doithoai_[a-z_]+", text)
    }
    exported = families(scrape()) | {"doithoai_task_queue_depth"}  # absent until installed
    assert named
    assert named <= exported


def test_the_live_metrics_import_no_app_of_the_project():
    import ast
    from pathlib import Path

    from tests.source import parse

    source = Path(__file__).resolve().parents[2] / "live" / "metrics.py"
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(parse(source.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {"__future__", "prometheus_client"}
