"""The pull from a publisher: a call to another server, so on the task queue, never in a request."""

from __future__ import annotations

from django_tasks import task

from events.models import User
from reports.models import RollupSource
from reports.rollup import services


@task()
def pull_rollup(source_id: int, actor_id: int | None) -> None:
    """Pull one publisher's document and import it; the outcome is a `RollupImport` row."""
    source = RollupSource.objects.filter(pk=source_id).first()
    if source is None:
        return
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    services.pull(actor=actor, source=source)
