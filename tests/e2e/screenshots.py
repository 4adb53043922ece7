"""Screenshots of every kind of page, in Vietnamese, into docs/screenshots/ (`make screenshots`).

    python -m tests.e2e.screenshots [--out docs/screenshots] [--only NAME ...]

A fresh SQLite database in a temporary folder gets the demo data (`seed_demo`) moved to a live
moment (tests/e2e/scene.py); daphne serves it as in the browser tests, and Debian's Chromium takes
each page at phone size (360×740), desktop size (1280×800), and the stage screens (the question
being answered, the join slide, a poll's results) at the projectors' 1920×1080 and 1280×720.

The staff guides (/guide/) show some of these pictures: they are copied into static/guides/
under the names the guides use (GUIDE_IMAGES), so the guides follow the product.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
SIZES = {"360x740": PHONE, "1280x800": DESKTOP}

# Screenshot → the name a guide (templates/guides/*/) shows it under, in static/guides/.
GUIDE_IMAGES = {
    "organiser-dialogues-1280x800": "organiser-dialogues.png",
    "organiser-dialogue-1280x800": "organiser-run-dialogue.png",
    "agency-staff-1280x800": "organiser-invite.png",
    "dialogue-report-1280x800": "organiser-report.png",
    "moderation-1280x800": "moderator-console.png",
    "official-1280x800": "official-console.png",
    "official-360x740": "official-console-phone.png",
    "answers-due-1280x800": "official-answers-due.png",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--guides", type=Path, default=Path("static/guides"))
    parser.add_argument(
        "--only", nargs="*", default=[], help="the kinds of page to take (default: every one)"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder:
        database = Path(folder) / "db.sqlite3"
        # The settings read these at import: set them before Django starts.
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
        os.environ.pop("REDIS_URL", None)
        # One cache for this process and the server's: the themes made here reach its console.
        os.environ["CACHE_URL"] = f"filecache://{Path(folder) / 'cache'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        import django

        django.setup()
        take_all(database, arguments.out, arguments.guides, only=set(arguments.only))


def take_all(database: Path, out: Path, guides: Path, only: set[str] | None = None) -> None:
    from django.core.management import call_command
    from playwright.sync_api import expect, sync_playwright

    from tests.conftest import CHROMIUM
    from tests.e2e.browser import LiveServer, select_words, settled
    from tests.e2e.scene import (
        PROJECTORS,
        ask_as_a_citizen,
        build_scene,
        illustration_pages,
        page_types,
    )
    from tests.e2e.test_moderation import signed_in

    call_command("migrate", verbosity=0)
    scene = build_scene()
    server = LiveServer(str(database))
    server.start()
    out.mkdir(parents=True, exist_ok=True)
    guides.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for kind in illustration_pages(scene) + page_types(scene):
                if only and kind.name not in only:
                    continue
                sizes = PROJECTORS if kind.projector else SIZES
                for size, options in sizes.items():
                    context = browser.new_context(
                        base_url=server.url,
                        locale="vi-VN",
                        timezone_id="Asia/Ho_Chi_Minh",
                        **options,  # type: ignore[arg-type]
                    )
                    context.set_default_timeout(15_000)
                    if kind.who:
                        signed_in(context, getattr(scene, kind.who), server.url)
                    page = context.new_page()
                    if kind.name == "agency-report":
                        # The administrative report as it prints: the browser's print preview.
                        page.emulate_media(media="print")
                    if kind.asked:
                        ask_as_a_citizen(page, kind.path)
                    else:
                        page.goto(kind.path)
                    if kind.joined:
                        page.get_by_label("Biệt danh của bạn").fill("Chị Hằng – Thuận Thành")
                        page.locator("input[name=consent]").check()
                        page.get_by_role("button", name="Tham gia").click()
                        page.get_by_label("Câu hỏi của bạn").fill(
                            "Đất trồng cây lâu năm có được chuyển sang đất ở không, thủ tục "
                            "thế nào?"
                        )
                    settled(page)
                    if kind.click:
                        page.locator(kind.click).click()
                    if kind.ready:
                        expect(page.locator(kind.ready)).to_be_visible()
                    if kind.name in ("moderation", "official"):
                        expect(page.locator(".card").first).to_be_visible()
                    if kind.propose:
                        expect(page.locator("#propose-selection[data-ready]")).to_be_attached()
                        select_words(
                            page, ".clauses .passage", "theo giá trung bình tại địa phương"
                        )
                        page.locator("#propose-selection").click()
                        expect(page.locator(".propose-box[open]")).to_be_visible()
                    if kind.name == "draft-version":
                        # The change itself, word by word, not the page's head.
                        page.locator(".diff").first.scroll_into_view_if_needed()
                    if kind.name == "draft":
                        # The article with comments and answers, not the page's head.
                        page.locator(".comment-list").first.evaluate(
                            "list => list.closest('.draft-article').scrollIntoView()"
                        )
                    page.wait_for_load_state("networkidle")
                    path = out / f"{kind.name}-{size}.png"
                    page.screenshot(path=str(path))
                    print(path)
                    # At once, so the guides' own screenshots, taken later, show the new pictures.
                    if path.stem in GUIDE_IMAGES:
                        shutil.copyfile(path, guides / GUIDE_IMAGES[path.stem])
                    context.close()
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
