"""The asker's notices for the task queue (`manage.py task_worker`, events/tasks.py).

Each is retried with the queue's delays while the other side cannot take it (a network error, a
rate limit, a server error); a refusal for good fails once, logged. The `Notice` row written
with the step is what keeps a step from being told twice: these only deliver what was queued.
"""

from __future__ import annotations

from django_tasks import TaskContext, task

from dialogue import push, zalo
from dialogue.models import Question
from events.tasks import retrying


@task(takes_context=True)
def send_web_push(
    context: TaskContext, subscription_id: int, message: dict[str, str], attempt: int = 1
) -> None:
    """Post one notification to one browser's push service."""
    with retrying(context, attempt=attempt, errors=(push.PushUnavailable,)):
        push.send(subscription_id, message)


@task(takes_context=True)
def send_zalo(context: TaskContext, question_id: int, step: str, attempt: int = 1) -> None:
    """Send one step of a question to its asker's Zalo, read from the question as it is now."""
    from dialogue.notices import zalo_template_data

    question = Question.objects.select_related("event", "author").filter(pk=question_id).first()
    if question is None or question.is_erased:
        return
    author = question.author
    if not zalo.enabled() or not author.zalo_opt_in or not author.phone:
        return  # switched off, or the asker erased their data since
    with retrying(context, attempt=attempt, errors=(zalo.ZaloUnavailable,)):
        zalo.send_template(
            phone=author.phone,
            data=zalo_template_data(question, step),
            tracking_id=f"{question.pk}-{step}",
        )
