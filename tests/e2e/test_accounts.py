"""Accounts in a real browser: sign-up with email verification, sign-in by emailed code, TOTP."""

from __future__ import annotations

import email
import re
import shutil
import tempfile
import time
from email.message import Message
from pathlib import Path

from playwright.sync_api import Page, expect

from events.models import User
from tests.e2e.a11y import axe_violations, describe
from tests.e2e.browser import PHONE, BrowserTestCase
from tests.factories import EventRoleFactory, UserFactory, totp_code, verify_email

PASSWORD = "mat-khau-an-toan-2025"


class AccountTests(BrowserTestCase):
    mail_dir: Path
    server_worker = True  # the codes and links are queued mail, sent by the worker

    @classmethod
    def setUpClass(cls) -> None:
        cls.mail_dir = Path(tempfile.mkdtemp(prefix="doithoai-mail-"))
        cls.server_env = {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(cls.mail_dir),
        }
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(cls.mail_dir, ignore_errors=True)

    def mails_to(self, address: str) -> list[Message]:
        """Every message the live server wrote to the mail folder for this address, oldest first."""
        found = []
        for path in sorted(self.mail_dir.iterdir(), key=lambda path: path.stat().st_mtime):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    message = email.message_from_bytes(raw.strip())
                    if address in message.get("To", ""):
                        found.append(message)
        return found

    def last_mail_body(self, address: str) -> str:
        # The mail is queued by the request and written by the worker a moment later.
        deadline = time.monotonic() + 30
        while not (messages := self.mails_to(address)):
            assert time.monotonic() < deadline, f"no mail to {address}"
            time.sleep(0.1)
        part = messages[-1]
        if part.is_multipart():
            part = next(p for p in part.walk() if p.get_content_type() == "text/plain")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(part.get_content_charset() or "utf-8")

    def sign_in_with_password(self, page: Page, address: str) -> None:
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(address)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập", exact=True).click()

    def test_sign_up_needs_the_emailed_verification_link(self) -> None:
        page = self.new_context(**PHONE).new_page()
        page.goto("/accounts/signup/")
        expect(page.get_by_role("heading", name="Đăng ký")).to_be_visible()
        page.locator("input[name=email]").fill("congdan.moi@example.org")
        page.locator("input[name=password1]").fill(PASSWORD)
        page.locator("input[name=password2]").fill(PASSWORD)
        # The personal data notice is linked beside the consent box, which must be ticked.
        expect(page.locator("a[href='/privacy/']").first).to_be_visible()
        page.locator("input[name=consent]").check()
        page.get_by_role("button", name="Đăng ký").click()

        expect(page.get_by_role("heading", name="Xác minh địa chỉ email")).to_be_visible()
        user = User.objects.get(email="congdan.moi@example.org")
        assert not user.emailaddress_set.get().verified  # type: ignore[attr-defined]
        assert user.consented_at is not None

        link = re.search(
            r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", self.last_mail_body(user.email)
        )
        assert link
        page.goto(link.group(1))
        page.get_by_role("button", name="Xác nhận").click()

        expect(page.locator(".site-nav .who")).to_be_visible()
        assert user.emailaddress_set.get().verified  # type: ignore[attr-defined]

    def test_sign_in_with_a_code_sent_by_email(self) -> None:
        user = UserFactory(email="maso@example.org", display_name="Chị Mã Số")
        verify_email(user)
        page = self.new_context(**PHONE).new_page()
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Gửi cho tôi mã đăng nhập").click()
        page.locator("input[name=email]").fill(user.email)
        page.get_by_role("button", name="Gửi mã").click()

        expect(page.get_by_role("heading", name="Nhập mã đăng nhập")).to_be_visible()
        body = self.last_mail_body(user.email)
        code = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", body, re.MULTILINE)
        assert code, body
        page.locator("input[name=code]").fill(code.group(1))
        page.get_by_role("button", name="Xác nhận").click()

        expect(page.locator(".site-nav .who")).to_have_text("Chị Mã Số")

    def test_a_moderator_sets_up_totp_then_signs_in_with_a_code(self) -> None:
        user = UserFactory(email="bientap.moi@example.org", password=PASSWORD)
        verify_email(user)
        EventRoleFactory(user=user)
        page = self.new_context().new_page()
        self.sign_in_with_password(page, user.email)
        expect(page.locator(".site-nav .who")).to_be_visible()

        page.goto("/manage/")
        expect(page.locator(".flash")).to_contain_text("phải bật xác thực hai lớp")
        # Straight to the setup: the password typed to sign in a moment ago is not asked again.
        expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
        secret = page.locator("#authenticator_secret").input_value()
        page.locator("input[name=code]").fill(totp_code(secret))
        page.get_by_role("button", name="Bật").click()
        expect(page.get_by_role("heading", name="Mã khôi phục")).to_be_visible()
        violations = axe_violations(page)
        assert not violations, describe(violations)
        # The recovery codes lead on to the page that was asked for.
        page.get_by_role("link", name="Tôi đã lưu các mã: tiếp tục đến trang tôi cần").click()
        expect(page).to_have_url(re.compile(r"/manage/$"))
        expect(page.get_by_role("heading", name="Cán bộ của cơ quan")).to_be_visible()

        page.locator(".site-nav").get_by_role("button", name="Đăng xuất").click()
        self.sign_in_with_password(page, user.email)
        # The code of the next period: the one used to activate cannot be used twice.
        page.locator("input[name=code]").fill(totp_code(secret, periods_ahead=1))
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator(".site-nav .who")).to_be_visible()

        page.goto("/manage/")
        expect(page.get_by_role("heading", name="Cán bộ của cơ quan")).to_be_visible()
