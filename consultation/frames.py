"""The frames of a draft's socket (docs/protocol.md, "The draft socket"): listen-only.

Each article of the page carries a stamp of its published comments (their supports and the
agency's responses included). The snapshot names every article's stamp; a `draft.article`
frame names one article's new stamp. A page whose article shows another stamp fetches that
article's comments again, over HTTP, as the reader sees them.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from live.wire import Frame


class DraftState(Frame):
    socket: ClassVar[str] = "draft"
    type: Literal["draft.state"] = "draft.state"
    articles: dict[str, str]  # article id -> stamp of its published comments


class DraftArticle(Frame):
    socket: ClassVar[str] = "draft"
    type: Literal["draft.article"] = "draft.article"
    article: int
    stamp: str
