"""Web Push to an asker's browser: subscribed from the private page, each step encrypted for
the browser's keys and signed with the installation's VAPID key, delivered through the task
queue to a real push endpoint on loopback that decrypts it, retried while the service is
down, and never sent twice."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dialogue import push, selectors
from dialogue import services as dialogue_services
from dialogue.models import Notice, Participant, PushSubscription, Question
from dialogue.notices import Message, Step, tell_asker
from erasure.services import erase_participant
from events.models import Event
from tests.factories import ParticipantFactory
from tests.notifyservers import PushService, b64url

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(settings) -> Iterator[PushService]:  # type: ignore[no-untyped-def]
    settings.WEBPUSH_VAPID_PRIVATE_KEY = push.new_private_key()
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:doithoai@example.gov.vn"
    settings.WEBPUSH_PUSH_SERVICES = ["127.0.0.1"]
    server = PushService()
    yield server
    server.close()


@pytest.fixture
def asker(standing: Event) -> Participant:
    return ParticipantFactory(event=standing, nickname="Chị Lan")


def push_url(participant: Participant) -> str:
    token = selectors.follow_token(participant)
    return reverse("dialogue:push", args=[participant.event.slug, token])


def form(subscription: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """What the private page posts of a browser's `PushSubscription.toJSON()`."""
    keys = subscription.get("keys", {})
    fields = {
        "endpoint": subscription.get("endpoint"),
        **keys,
        "remove": subscription.get("remove"),
    }
    return {name: value for name, value in fields.items() if value is not None}


def subscribe(client, participant: Participant, subscription: dict):  # type: ignore[no-untyped-def,type-arg]
    return client.post(push_url(participant), form(subscription))


def ask(participant: Participant) -> Question:
    return dialogue_services.ask_question(
        participant=participant,
        text="Con riêng có được hưởng thừa kế không?",
        client_id=uuid.uuid4(),
        legal_field="civil",
    )


def test_a_step_reaches_the_browser_encrypted_for_its_keys_and_signed(
    client, settings, service, asker, run_tasks
):
    assert subscribe(client, asker, service.subscription()).json() == {"subscribed": True}
    question = ask(asker)
    assert not service.received  # queued with the question, sent by the worker
    run_tasks()

    [pushed] = service.received
    assert pushed.path == "/push/browser-1"
    assert question.grouped_tracking_code in pushed.message["title"]
    assert pushed.message["url"].endswith(reverse("dialogue:lookup"))
    # Neither the question's words nor the asker's name leave in a notification.
    assert "thừa kế" not in json.dumps(pushed.message, ensure_ascii=False)
    assert "Lan" not in json.dumps(pushed.message, ensure_ascii=False)
    # Signed with the installation's key, for this push service, by this sender.
    assert pushed.claims["k"] == push.public_key()
    assert pushed.claims["aud"] == service.url
    assert pushed.claims["sub"] == "mailto:doithoai@example.gov.vn"
    assert int(pushed.headers["ttl"]) == settings.WEBPUSH_TTL
    assert not service.refused


def test_a_message_encrypted_for_other_keys_is_not_readable(client, service, asker, run_tasks):
    # The endpoint really decrypts: a subscription whose keys the browser does not hold fails.
    other = PushService()
    try:
        subscribe(client, asker, {**service.subscription(), "keys": other.subscription()["keys"]})
        ask(asker)
        run_tasks()
    finally:
        other.close()
    assert service.received == []
    assert len(service.refused) == 1


def test_each_step_is_pushed_once_even_when_told_again(client, service, asker, run_tasks):
    subscribe(client, asker, service.subscription())
    question = ask(asker)
    for _ in range(3):
        tell_asker(question, Step.PUBLISHED, lambda: Message("Đã công bố", "…", url="/x"))
    run_tasks()
    run_tasks()
    titles = [pushed.message["title"] for pushed in service.received]
    assert titles.count("Đã công bố") == 1
    assert len(titles) == 2  # received, published
    assert Notice.objects.filter(question=question, channel="webpush").count() == 2


def test_a_push_service_that_is_down_is_tried_again_and_delivers_once(
    client, service, asker, run_tasks
):
    subscribe(client, asker, service.subscription())
    ask(asker)
    service.status = 503
    run_tasks()
    retry = DBTaskResult.objects.filter(task_path__endswith="send_web_push").order_by("enqueued_at")
    assert [row.status for row in retry] == ["FAILED", "READY"]
    assert retry.last().args_kwargs["kwargs"] == {"attempt": 2}
    service.status = 201
    retry.filter(status="READY").update(run_after=retry.first().enqueued_at)
    run_tasks()
    run_tasks()
    assert len(service.received) == 1


def test_a_subscription_gone_from_its_service_is_forgotten(client, service, asker, run_tasks):
    subscribe(client, asker, service.subscription())
    ask(asker)
    service.status = 410
    run_tasks()
    assert not PushSubscription.objects.exists()
    assert DBTaskResult.objects.filter(status="READY").count() == 0


def test_a_refusal_for_good_is_not_retried(client, service, asker, run_tasks):
    subscribe(client, asker, service.subscription())
    ask(asker)
    service.status = 400
    run_tasks()
    rows = DBTaskResult.objects.filter(task_path__endswith="send_web_push")
    assert [row.status for row in rows] == ["FAILED"]


def test_each_browser_of_the_asker_is_told(client, service, asker, run_tasks):
    subscribe(client, asker, service.subscription("phone"))
    subscribe(client, asker, service.subscription("laptop"))
    subscribe(client, asker, service.subscription("phone"))  # again: kept once
    assert PushSubscription.objects.filter(participant=asker).count() == 2
    ask(asker)
    run_tasks()
    assert sorted(pushed.path for pushed in service.received) == ["/push/laptop", "/push/phone"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
        {"endpoint": "x", "keys": {"p256dh": "a", "auth": "b"}},
        "not-base64",
        "wrong-keys",
        "short-auth",
        "not-a-point",
        "evil-host",
        "plain-http",
        "credentials",
        "too-long",
    ],
)
def test_a_subscription_that_is_not_one_is_refused_and_changes_nothing(
    client, service, asker, body
):
    good = service.subscription()
    keys = good["keys"]
    bodies = {
        "not-base64": {**good, "keys": {**keys, "auth": "%%%%"}},
        "wrong-keys": {**good, "keys": {"p256dh": keys["auth"], "auth": keys["p256dh"]}},
        "short-auth": {**good, "keys": {**keys, "auth": keys["auth"][:10]}},
        "not-a-point": {**good, "keys": {**keys, "p256dh": b64url(b"\x04" + b"\x01" * 64)}},
        "evil-host": {**good, "endpoint": "https://push.evil.example/x"},
        "plain-http": {**good, "endpoint": "http://fcm.googleapis.com/fcm/send/x"},
        "credentials": {**good, "endpoint": f"http://user:pw@127.0.0.1:{service.port}/x"},
        "too-long": {**good, "endpoint": good["endpoint"] + "x" * 1000},
    }
    chosen = bodies.get(body, body) if isinstance(body, str) else body
    response = subscribe(client, asker, chosen)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not PushSubscription.objects.exists()


def test_a_known_push_service_s_https_address_is_accepted(settings, service):
    settings.WEBPUSH_PUSH_SERVICES = ["fcm.googleapis.com", "notify.windows.com"]
    keys = service.subscription()["keys"]
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ):
        assert push.clean_subscription(endpoint, **keys)[0] == endpoint
    for endpoint in ("https://notify.windows.com.evil.example/x", "https://evilfcm.googleapis.co/"):
        with pytest.raises(push.InvalidMessage):
            push.clean_subscription(endpoint, **keys)


def test_with_no_vapid_key_nothing_is_offered_or_kept(client, settings, service, asker):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    page = client.get(
        reverse("dialogue:mine", args=[asker.event.slug, selectors.follow_token(asker)])
    )
    assert b'id="push"' not in page.content
    assert subscribe(client, asker, service.subscription()).status_code == 400
    assert not PushSubscription.objects.exists()


def test_the_private_page_offers_it_with_the_public_key(client, service, asker):
    page = client.get(
        reverse("dialogue:mine", args=[asker.event.slug, selectors.follow_token(asker)])
    )
    assert f'data-key="{push.public_key()}"'.encode() in page.content
    assert push_url(asker).encode() in page.content
    worker = client.get(reverse("dialogue:service_worker")).content.decode()
    assert 'addEventListener("push"' in worker
    assert "notificationclick" in worker


def test_only_the_private_link_subscribes(client, service, asker):
    wrong = reverse("dialogue:push", args=[asker.event.slug, "1.1:forged"])
    response = client.post(wrong, form(service.subscription()))
    assert response.status_code == 404
    assert client.get(push_url(asker)).status_code == 405
    assert not PushSubscription.objects.exists()


def test_unsubscribing_forgets_this_browser_only(client, service, asker):
    subscribe(client, asker, service.subscription("phone"))
    subscribe(client, asker, service.subscription("laptop"))
    phone = service.subscription("phone")["endpoint"]
    assert subscribe(client, asker, {"endpoint": phone, "remove": "1"}).json() == {
        "subscribed": False
    }
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        service.subscription("laptop")["endpoint"]
    ]


def test_renewing_the_link_or_erasing_forgets_every_browser(client, service, asker, run_tasks):
    subscribe(client, asker, service.subscription())
    dialogue_services.renew_follow_link(participant=asker)
    assert not PushSubscription.objects.exists()

    subscribe(client, asker, service.subscription())
    ask(asker)
    erase_participant(participant=asker, session=None)
    assert not PushSubscription.objects.exists()
    run_tasks()  # the receipt queued before the erasure finds no browser left
    assert service.received == []


def test_subscribing_is_rate_limited(client, settings, service, asker):
    settings.DIALOGUE = {
        **settings.DIALOGUE,
        "RATE_LIMITS": {
            **settings.DIALOGUE["RATE_LIMITS"],
            "push": {"participant": "2/hour", "ip": "100/hour"},
        },
    }
    codes = [subscribe(client, asker, service.subscription(f"b{n}")).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert PushSubscription.objects.count() == 2


def test_the_keys_command_makes_a_key_and_shows_its_public_key(capsys, settings):
    call_command("webpush_keys")
    line = capsys.readouterr().out.splitlines()[0]
    secret = line.removeprefix("WEBPUSH_VAPID_PRIVATE_KEY=")
    settings.WEBPUSH_VAPID_PRIVATE_KEY = secret
    call_command("webpush_keys", "--public")
    public = capsys.readouterr().out.strip()
    assert public == push.public_key(secret)
    assert len(push._unb64url(public)) == 65


def test_deleting_an_account_forgets_the_browsers_it_subscribed(client, service, standing):
    from events.services.accounts import delete_account
    from tests.factories import UserFactory

    user = UserFactory()
    member = ParticipantFactory(event=standing, user=user, nickname="")
    subscribe(client, member, service.subscription())
    assert PushSubscription.objects.count() == 1
    delete_account(user=user, confirmation=user.email)
    assert not PushSubscription.objects.exists()
