"""The staff guides: public pages, written in Vietnamese and English, illustrated with the
screenshots `make screenshots` copies into static/guides/, and reached from each console."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import enable_totp

pytestmark = pytest.mark.django_db

ROLE_GUIDES = ("organiser", "moderator", "official")
# A sentence of each guide's text, per language, to tell which file was rendered.
OPENINGS = {
    ("organiser", "vi"): "Hướng dẫn cho người tổ chức",
    ("moderator", "vi"): "Hướng dẫn cho người kiểm duyệt",
    ("official", "vi"): "Hướng dẫn cho cán bộ trả lời",
    ("checklist", "vi"): "Danh sách kiểm tra ngày đối thoại",
    ("organiser", "en"): "The organiser's guide",
    ("moderator", "en"): "The moderator's guide",
    ("official", "en"): "The official's guide",
    ("checklist", "en"): "Checklist for the day of the dialogue",
}


def images(html: str) -> list[tuple[str, str]]:
    """(source, alt text) of every picture in the page."""
    return [
        (match["src"], match["alt"])
        for match in re.finditer(r'<img src="(?P<src>[^"]+)"[^>]*? alt="(?P<alt>[^"]*)"', html)
    ]


def guide_text(html: str) -> str:
    """The guide's own text, without the page's frame (whose strings are the catalogue's)."""
    return html[html.index('id="guide"') : html.index("</article>")]


def in_english(client: Client) -> Client:
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


@pytest.mark.parametrize("name", [*ROLE_GUIDES, "checklist"])
def test_each_guide_is_public_and_written_in_vietnamese_by_default(name: str) -> None:
    response = Client().get(reverse(f"guides:{name}"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert OPENINGS[(name, "vi")] in guide_text(html)
    assert OPENINGS[(name, "en")] not in guide_text(html)


@pytest.mark.parametrize("name", [*ROLE_GUIDES, "checklist"])
def test_each_guide_is_in_english_when_the_site_language_is_english(name: str) -> None:
    response = in_english(Client()).get(reverse(f"guides:{name}"))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert OPENINGS[(name, "en")] in guide_text(html)
    assert OPENINGS[(name, "vi")] not in guide_text(html)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("name", ROLE_GUIDES)
def test_each_role_guide_shows_its_screenshots_which_exist_with_alt_text(
    name: str, language: str
) -> None:
    client = in_english(Client()) if language == "en" else Client()
    shown = images(client.get(reverse(f"guides:{name}")).content.decode())
    assert shown, "a role guide is illustrated"
    for source, alt in shown:
        assert source.startswith(f"{settings.STATIC_URL}guides/{name}-"), source
        file = Path(settings.BASE_DIR, "static", source.removeprefix(settings.STATIC_URL))
        assert file.is_file(), f"{file} is missing: run `make screenshots`"
        assert len(alt) > 40, f"{source} needs an alt text that says what it shows"


def test_the_moderator_guide_lists_the_consoles_keyboard_shortcuts() -> None:
    console = Path(settings.BASE_DIR, "templates/moderation/console.html").read_text()
    keys = re.findall(r"<dt>([^<]+)</dt>", console)
    guide = Client().get(reverse("guides:moderator")).content.decode()
    listed = [re.sub(r"<[^>]+>", "", key) for key in re.findall(r"<dt>(.+?)</dt>", guide)]
    # The console says "R, then 1–7" through the catalogue; the guide in its own words.
    normalise = lambda text: re.sub(r"[^A-Z↓↑←→/]", "", text)  # noqa: E731
    assert [normalise(k) for k in keys] == [normalise(k) for k in listed]


def test_the_index_lists_the_three_guides_and_the_checklist() -> None:
    html = Client().get(reverse("guides:index")).content.decode()
    for name in [*ROLE_GUIDES, "checklist"]:
        assert f'href="{reverse(f"guides:{name}")}"' in html


def test_every_page_links_to_the_guides_in_its_footer() -> None:
    html = Client().get(reverse("dialogue:catalogue")).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert f'href="{reverse("guides:index")}"' in footer


def test_the_checklist_has_a_print_layout_on_one_a4_sheet() -> None:
    html = Client().get(reverse("guides:checklist")).content.decode()
    assert "css/guides.css" in html
    css = Path(settings.BASE_DIR, "static/css/guides.css").read_text()
    assert "@media print" in css
    assert "size: A4" in css


def staff_client(user) -> Client:  # type: ignore[no-untyped-def]
    enable_totp(user)
    client = Client()
    client.force_login(user)
    return client


def test_the_moderation_console_links_to_the_moderators_guide(moderator, event) -> None:  # type: ignore[no-untyped-def]
    html = staff_client(moderator).get(reverse("moderation:console", args=[event.slug]))
    assert f'href="{reverse("guides:moderator")}"' in html.content.decode()


def test_the_officials_console_links_to_the_officials_guide(official, event) -> None:  # type: ignore[no-untyped-def]
    html = staff_client(official).get(reverse("moderation:official", args=[event.slug]))
    assert f'href="{reverse("guides:official")}"' in html.content.decode()


def test_the_agency_dialogues_page_links_to_the_organisers_guide(organiser, event) -> None:  # type: ignore[no-untyped-def]
    url = reverse("events:manage:events", args=[event.agency.slug])
    html = staff_client(organiser).get(url)
    assert html.status_code == 200
    assert f'href="{reverse("guides:organiser")}"' in html.content.decode()
