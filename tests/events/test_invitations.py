"""Staff invitations: invite, revoke, accept, and every way an invitation is refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import AgencyMembership, Event, EventRole, Invitation, User
from live.errors import Conflict, InvalidMessage, InvitationRefused, NotAllowed
from tests.factories import EventFactory, UserFactory, enable_totp, verify_email
from tests.mailservers import delivered_mail

pytestmark = pytest.mark.django_db


def invite(inviter: User, event: Event, email: str, role: str = "moderator", **extra: object):  # type: ignore[no-untyped-def]
    return services.invite_staff(
        inviter=inviter,
        agency=event.agency,
        email=email,
        role=role,
        event=None if role == "organiser" else event,
        site_url="http://testserver/",
        **extra,  # type: ignore[arg-type]
    )


def token_from_mail() -> str:
    body = delivered_mail()[-1].body
    match = re.search(r"/invitations/([\w-]+)/", body)
    assert match, body
    return match.group(1)


def test_an_organiser_invites_a_moderator_and_the_link_is_emailed_after_commit(
    organiser, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organiser, event, "bientap.moi@example.org")

    assert invitation.status == Invitation.Status.PENDING
    assert invitation.invited_by == organiser
    assert len(delivered_mail()) == 1
    assert delivered_mail()[0].to == ["bientap.moi@example.org"]
    assert event.title in delivered_mail()[0].body
    token = token_from_mail()
    # Only the token's hash is stored.
    assert token not in invitation.token_hash
    assert invitation.token_hash == services.invitation_token_hash(token)


def test_accepting_with_the_invited_verified_email_gives_the_role_once(
    organiser, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organiser, event, "CanBo@Example.ORG", role="official", title="Phó Giám đốc")
    invitee = UserFactory(email="CanBo@example.org")
    verify_email(invitee)

    accepted = services.accept_invitation(user=invitee, token=token_from_mail())

    role = EventRole.objects.get(user=invitee, event=event)
    assert role.role == EventRole.Role.OFFICIAL
    assert role.title == "Phó Giám đốc"
    assert accepted.accepted_by == invitee
    assert accepted.status == Invitation.Status.ACCEPTED
    with pytest.raises(InvitationRefused) as used:
        services.accept_invitation(user=invitee, token=token_from_mail())
    assert used.value.code == "invitation_used"
    assert EventRole.objects.filter(user=invitee).count() == 1


def test_an_organiser_invitation_makes_an_organiser_of_the_agency(
    organiser, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organiser, event, "tochuc2@example.org", role="organiser")
    invitee = UserFactory(email="tochuc2@example.org")
    verify_email(invitee)

    services.accept_invitation(user=invitee, token=token_from_mail())

    assert AgencyMembership.objects.filter(agency=event.agency, user=invitee).exists()


def test_a_different_account_cannot_accept_and_nothing_changes(
    organiser, event, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organiser, event, "dung.nguoi@example.org")
    verify_email(citizen)

    with pytest.raises(InvitationRefused) as refused:
        services.accept_invitation(user=citizen, token=token_from_mail())

    assert refused.value.code == "wrong_email"
    assert "dung.nguoi@example.org" in refused.value.message
    assert not EventRole.objects.filter(user=citizen).exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_an_unverified_address_is_not_enough(organiser, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organiser, event, "chua.xac.minh@example.org")
    invitee = UserFactory(email="chua.xac.minh@example.org")

    with pytest.raises(InvitationRefused) as refused:
        services.accept_invitation(user=invitee, token=token_from_mail())
    assert refused.value.code == "wrong_email"


def test_expired_and_revoked_invitations_are_refused(
    organiser, event, django_capture_on_commit_callbacks
):
    invitee = UserFactory(email="muon@example.org")
    verify_email(invitee)
    with django_capture_on_commit_callbacks(execute=True):
        expired = invite(organiser, event, "muon@example.org")
    expired_token = token_from_mail()
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(InvitationRefused) as too_late:
        services.accept_invitation(user=invitee, token=expired_token)
    assert too_late.value.code == "invitation_expired"

    with django_capture_on_commit_callbacks(execute=True):
        revoked = invite(organiser, event, "muon@example.org")
    services.revoke_invitation(user=organiser, invitation=revoked)
    with pytest.raises(InvitationRefused) as withdrawn:
        services.accept_invitation(user=invitee, token=token_from_mail())
    assert withdrawn.value.code == "invitation_revoked"

    with pytest.raises(InvitationRefused) as unknown:
        services.accept_invitation(user=invitee, token="khong-co-that")
    assert unknown.value.code == "invitation_unknown"
    assert not EventRole.objects.filter(user=invitee).exists()


def test_only_organisers_of_the_agency_invite_or_revoke(
    organiser, other_organiser, moderator, event
):
    for who in (other_organiser, moderator):
        with pytest.raises(NotAllowed):
            invite(who, event, "ai.do@example.org")
    invitation = invite(organiser, event, "ai.do@example.org")
    with pytest.raises(NotAllowed):
        services.revoke_invitation(user=other_organiser, invitation=invitation)
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_bad_input_is_refused_with_a_code_and_writes_nothing(organiser, event, moderator):
    other_agency_event = EventFactory()
    cases = [
        ({"email": "khong-phai-email"}, "invalid_email"),
        ({"role": "admin"}, "invalid_role"),
        ({"event": other_agency_event}, "invalid_event"),
        ({"email": moderator.email}, "already_member"),
        ({"legal_field": "land"}, "invalid_field"),
        ({"legal_field": "land", "event": None}, "invalid_field"),
        ({"legal_field": "not-a-field", "event": None, "role": "official"}, "invalid_field"),
    ]
    for changes, code in cases:
        arguments = {
            "inviter": organiser,
            "agency": event.agency,
            "email": "moi@example.org",
            "role": "moderator",
            "event": event,
            **changes,
        }
        with pytest.raises((InvalidMessage, Conflict)) as refused:
            services.invite_staff(**arguments)  # type: ignore[arg-type]
        assert refused.value.code == code
    invite(organiser, event, "moi@example.org")
    with pytest.raises(Conflict) as twice:
        invite(organiser, event, "MOI@example.org")
    assert twice.value.code == "already_invited"
    assert Invitation.objects.count() == 1


def test_a_site_admin_may_invite_to_any_agency(admin_user, event):
    assert invite(admin_user, event, "ai@example.org").invited_by == admin_user


# --- Pages ---------------------------------------------------------------------------------


def staff_client(client, user: User):  # type: ignore[no-untyped-def]
    enable_totp(user)
    client.force_login(user)
    return client


def test_the_agency_page_lists_members_and_invites_through_the_form(
    client, organiser, moderator, event, django_capture_on_commit_callbacks
):
    staff_client(client, organiser)
    page = reverse("events:manage:agency", args=[event.agency.slug])

    response = client.get(page)
    assert response.status_code == 200
    assert moderator.email in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:manage:invite", args=[event.agency.slug]),
            {"email": "moi@example.org", "role": "moderator", "event": event.pk},
        )
    assert response.status_code == 302
    assert len(delivered_mail()) == 1
    assert "moi@example.org" in client.get(page).content.decode()

    invitation = Invitation.objects.get()
    response = client.post(reverse("events:manage:revoke", args=[event.agency.slug, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_the_invite_form_shows_errors_and_writes_nothing(client, organiser, event):
    staff_client(client, organiser)
    response = client.post(
        reverse("events:manage:invite", args=[event.agency.slug]),
        {"email": "moi@example.org", "role": "moderator", "legal_field": "land"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["legal_field"]
    assert not Invitation.objects.exists()


def test_other_agencies_and_citizens_are_refused(client, other_organiser, citizen, event):
    page = reverse("events:manage:agency", args=[event.agency.slug])
    staff_client(client, other_organiser)
    assert client.get(page).status_code == 403
    assert (
        client.post(
            reverse("events:manage:invite", args=[event.agency.slug]),
            {"email": "x@example.org", "role": "organiser"},
        ).status_code
        == 403
    )
    client.force_login(citizen)
    assert client.get(page).status_code == 403
    client.logout()
    assert client.get(page).status_code == 302
    assert not Invitation.objects.exists()


def test_accepting_through_the_link_after_signing_in(
    client, organiser, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(organiser, event, "nhanloi@example.org")
    link = reverse("events:invitation", args=[token_from_mail()])

    anonymous = client.get(link)
    assert anonymous.status_code == 200
    assert reverse("account_login") in anonymous.content.decode()
    assert client.post(link).status_code == 302

    invitee = UserFactory(email="nhanloi@example.org")
    verify_email(invitee)
    client.force_login(invitee)
    assert client.post(link).status_code == 302
    assert EventRole.objects.filter(user=invitee, event=event).exists()
    used = client.get(link)
    assert "đã được sử dụng" in used.content.decode()


def test_a_revoked_link_says_so(client, organiser, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organiser, event, "bi.thu.hoi@example.org")
    services.revoke_invitation(user=organiser, invitation=invitation)
    response = client.get(reverse("events:invitation", args=[token_from_mail()]))
    assert "đã bị người tổ chức thu hồi" in response.content.decode()
