"""Accounts: staff need two-factor authentication, single sign-on appears only when configured."""

from __future__ import annotations

import environ
import pytest
from allauth.mfa.models import Authenticator
from django.test import Client, override_settings
from django.urls import reverse

from config.settings import openid_connect_apps
from events.permissions import is_staff_member, needs_two_factor_setup
from tests.factories import enable_totp, totp_code, verify_email

pytestmark = pytest.mark.django_db

STAFF_PAGE = "/manage/"
PASSWORD = "mat-khau-an-toan"  # tests/factories.py: UserFactory


@pytest.mark.parametrize("persona", ["moderator", "official", "organiser", "admin_user"])
def test_staff_without_two_factor_are_sent_to_set_it_up(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    for page in (STAFF_PAGE, "/admin/"):
        response = client.get(page, follow=True)
        assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
        assert "xác thực hai lớp" in response.content.decode()

    enable_totp(user)
    assert client.get(STAFF_PAGE).status_code in (200, 302)
    assert client.get(STAFF_PAGE).headers.get("Location") != reverse("mfa_activate_totp")


def test_citizens_never_need_two_factor(client, citizen, event):
    client.force_login(citizen)
    assert not is_staff_member(citizen)
    assert not needs_two_factor_setup(citizen)
    assert client.get(event.get_absolute_url()).status_code == 200
    assert client.get(reverse("events:account")).status_code == 200
    # A citizen is refused the staff pages, but not by the two-factor check.
    assert client.get(STAFF_PAGE).status_code == 200


def test_a_role_given_later_is_enforced_at_once(client, citizen, event):
    client.force_login(citizen)
    assert client.get(STAFF_PAGE).status_code == 200
    from tests.factories import EventRoleFactory

    EventRoleFactory(event=event, user=citizen)
    assert client.get(STAFF_PAGE).headers["Location"] == reverse("mfa_activate_totp")


def test_staff_cannot_turn_two_factor_off(client, moderator):
    enable_totp(moderator)
    verify_email(moderator)
    client.force_login(moderator)
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=moderator, type="totp").exists()


def test_the_admin_signs_in_through_allauth_so_the_second_factor_is_asked(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def env_of(values: dict[str, str]) -> environ.Env:
    environment = environ.Env()
    environment.ENVIRON = values  # type: ignore[assignment]
    return environment


def test_no_single_sign_on_without_its_variables():
    assert openid_connect_apps(env_of({})) == []
    assert openid_connect_apps(env_of({"VNEID_CLIENT_ID": "only-half"})) == []


def test_single_sign_on_apps_come_from_the_environment():
    apps = openid_connect_apps(
        env_of(
            {
                "OIDC_CLIENT_ID": "so-tu-phap",
                "OIDC_CLIENT_SECRET": "bi-mat",
                "OIDC_SERVER_URL": "https://sso.sotuphap.example.gov.vn",
                "OIDC_NAME": "Tài khoản Sở Tư pháp",
                "VNEID_CLIENT_ID": "doithoai",
                "VNEID_SERVER_URL": "https://id.example.gov.vn",
            }
        )
    )
    assert [(app["provider_id"], app["name"]) for app in apps] == [
        ("sso", "Tài khoản Sở Tư pháp"),
        ("vneid", "VNeID"),
    ]
    assert apps[0]["secret"] == "bi-mat"
    with pytest.raises(environ.ImproperlyConfigured):
        openid_connect_apps(env_of({"OIDC_PROVIDER_ID": "vneid"}))


def test_the_login_page_lists_a_provider_only_when_configured(client, settings):
    assert "VNeID" not in client.get(reverse("account_login")).content.decode()
    apps = openid_connect_apps(
        env_of({"VNEID_CLIENT_ID": "doithoai", "VNEID_SERVER_URL": "https://id.example.gov.vn"})
    )
    with override_settings(SOCIALACCOUNT_PROVIDERS={"openid_connect": {"APPS": apps}}):
        page = client.get(reverse("account_login")).content.decode()
    assert "VNeID" in page
    assert "/accounts/oidc/vneid/login/" in page


def test_allauth_pages_are_in_vietnamese_in_our_layout(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Gửi cho tôi mã đăng nhập" in page
    assert "Quên mật khẩu?" in page
    assert 'class="site-header"' in page
    assert reverse("events:privacy") in page
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Đăng ký" in signup


def test_password_reset_and_email_change_pages_work(client, citizen):
    reset = client.get(reverse("account_reset_password")).content.decode()
    assert "Đặt lại mật khẩu" in reset
    verify_email(citizen)
    client.force_login(citizen)
    page = client.get(reverse("account_email")).content.decode()
    assert "Đổi email" in page
    assert 'style="' not in page  # the CSP forbids inline styles
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "dia.chi.moi@example.org"}
    )
    assert response.status_code == 302
    # The new address replaces the old one only once it is verified.
    citizen.refresh_from_db()
    assert citizen.email != "dia.chi.moi@example.org"


def set_up_two_factors(client: Client) -> str:
    """Scan the authenticator page's secret and confirm it with a code; the page it leads to."""
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    return str(response.headers["Location"])


def test_staff_signing_in_set_up_two_factors_without_a_second_password_and_go_on(
    client, event, moderator
):
    verify_email(moderator)
    console = reverse("moderation:console", args=[event.slug])
    signed_in = client.post(
        f"{reverse('account_login')}?next={console}",
        {"login": moderator.email, "password": PASSWORD},
    )
    assert signed_in.headers["Location"] == console
    assert client.get(console).headers["Location"] == reverse("mfa_activate_totp")

    codes = set_up_two_factors(client)  # no reauthentication page on the way
    assert codes == reverse("mfa_view_recovery_codes")
    page = client.get(codes).content.decode()
    assert 'id="setup-destination">' in page
    assert f'href="{console}"' in page
    assert client.get(console).status_code == 200
    # Arrived: the recovery codes page, opened later, leads nowhere in particular.
    assert 'id="setup-destination"' not in client.get(codes).content.decode()


def test_an_old_sign_in_still_asks_for_the_password_before_two_factor_setup(
    client, moderator, settings
):
    verify_email(moderator)
    client.post(
        reverse("account_login"), {"login": moderator.email, "password": "mat-khau-an-toan"}
    )
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_reauthenticate"))


def test_an_account_that_signed_in_with_two_factors_is_still_asked_before_changing_them(
    client, moderator
):
    secret = enable_totp(moderator)
    verify_email(moderator)
    client.post(reverse("account_login"), {"login": moderator.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert client.get(STAFF_PAGE).status_code == 200  # signed in, with both factors

    response = client.get(reverse("mfa_generate_recovery_codes"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_reauthenticate"))
