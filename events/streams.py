"""A dialogue's stream link as a player the event page may frame: YouTube, Facebook, Vimeo.

Each provider's player origin is listed in `STREAM_EMBED_ORIGINS` (config/settings.py), the
event page's CSP `frame-src`; a link of any other site is offered as a plain link.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# watch?v=ID, youtu.be/ID, /live/ID, /shorts/ID and /embed/ID links to one video or live stream.
YOUTUBE = re.compile(
    r"^https://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|live/|shorts/|embed/)|youtu\.be/)"
    r"([A-Za-z0-9_-]{11})(?:[?&#/].*)?$"
)
# A page's video or live video, the watch page, and fb.watch short links.
FACEBOOK = re.compile(
    r"^https://(?:(?:www|m|web)\.facebook\.com/(?:[\w.-]+/videos/(?:[\w.-]+/)?\d+|watch/?\?v=\d+"
    r"|[\w.-]+/live(?:_videos)?/?|video\.php\?v=\d+)|fb\.watch/[\w-]+)/?(?:[?&#].*)?$"
)
# vimeo.com/ID and vimeo.com/event/ID (a live event).
VIMEO = re.compile(r"^https://(?:www\.)?vimeo\.com/(?:(event)/)?(\d+)(?:[/?#].*)?$")


def embed_url(stream_url: str) -> str:
    """The player of a stream link, or "" when the page should show it as a link."""
    if match := YOUTUBE.match(stream_url):
        return f"https://www.youtube-nocookie.com/embed/{match.group(1)}"
    if FACEBOOK.match(stream_url):
        address = quote(stream_url, safe="")
        return f"https://www.facebook.com/plugins/video.php?href={address}&show_text=false"
    if match := VIMEO.match(stream_url):
        if match.group(1):
            return f"https://vimeo.com/event/{match.group(2)}/embed"
        return f"https://player.vimeo.com/video/{match.group(2)}"
    return ""
