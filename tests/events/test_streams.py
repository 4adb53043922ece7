"""Stream links become the provider's player; anything else stays a link."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from events.streams import embed_url

FACEBOOK_VIDEO = "https://www.facebook.com/sotuphapbacninh/videos/1234567890123456/"


@pytest.mark.parametrize(
    ("link", "player"),
    [
        (
            "https://www.youtube.com/watch?v=abcdefghijk",
            "https://www.youtube-nocookie.com/embed/abcdefghijk",
        ),
        ("https://youtu.be/abcdefghijk?t=30", "https://www.youtube-nocookie.com/embed/abcdefghijk"),
        (
            "https://www.youtube.com/live/abcdefghijk?si=x",
            "https://www.youtube-nocookie.com/embed/abcdefghijk",
        ),
        (
            "https://youtube.com/shorts/abcdefghijk",
            "https://www.youtube-nocookie.com/embed/abcdefghijk",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://vimeo.com/event/123456", "https://vimeo.com/event/123456/embed"),
    ],
)
def test_youtube_and_vimeo_links_become_their_players(link, player):
    assert embed_url(link) == player


@pytest.mark.parametrize(
    "link",
    [
        FACEBOOK_VIDEO,
        "https://www.facebook.com/watch/?v=1234567890",
        "https://fb.watch/abCD12-_x/",
        "https://www.facebook.com/sotuphapbacninh/live_videos/",
        "https://m.facebook.com/video.php?v=1234567890",
    ],
)
def test_facebook_links_become_its_player_with_the_link_encoded(link):
    player = urlsplit(embed_url(link))
    assert (player.scheme, player.netloc, player.path) == (
        "https",
        "www.facebook.com",
        "/plugins/video.php",
    )
    assert parse_qs(player.query)["href"] == [link]


@pytest.mark.parametrize(
    "link",
    [
        "",
        "https://stream.example.org/live",
        "http://www.youtube.com/watch?v=abcdefghijk",  # not https
        "https://www.youtube.com/watch?v=short",
        "https://evil.example/www.facebook.com/x/videos/1",
        "https://www.facebook.com/sotuphapbacninh/",  # a page, not a video
        "https://vimeo.com/channels/staffpicks",
        'https://www.facebook.com/x/videos/1"onload=alert(1)',
    ],
)
def test_other_links_are_not_framed(link):
    assert embed_url(link) == ""


def test_every_player_is_allowed_by_the_event_page_s_policy():
    links = [
        "https://youtu.be/abcdefghijk",
        FACEBOOK_VIDEO,
        "https://vimeo.com/1",
        "https://vimeo.com/event/2",
    ]
    for link in links:
        player = urlsplit(embed_url(link))
        assert f"{player.scheme}://{player.netloc}" in settings.STREAM_EMBED_ORIGINS
