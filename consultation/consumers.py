"""A draft's socket: /ws/consultation/<id>/, listen-only, for everyone who may read the draft.

It sends the articles' stamps, then a `draft.article` frame each time an article's published
comments, supports or responses change (consultation/changes.py); the page fetches that article's
comments again over HTTP. Commands are refused: comments, supports and replies are plain forms.
"""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError

from consultation import permissions
from consultation.changes import state_frame
from consultation.models import Draft
from live import threads
from live.errors import NotAllowed
from live.groups import draft_group
from live.sockets import LiveSocket
from live.wire import dumps


def _readable(pk: int, user: Any) -> bool:
    draft = Draft.objects.filter(pk=pk).select_related("event", "agency").first()
    return draft is not None and permissions.can_view_draft(user, draft)


class DraftConsumer(LiveSocket):
    audience = "draft"

    async def connect(self) -> None:
        self.draft_id = int(self.scope["url_route"]["kwargs"]["pk"])
        try:
            readable = await threads.read(_readable)(self.draft_id, self.scope["user"])
        except DatabaseError:
            await self.unavailable()
            return
        if not readable:
            await self.close()  # before accept: the handshake is refused with 403
            return
        await self.take_seat()
        draft_id = self.draft_id

        def snapshot() -> str:
            return dumps(state_frame(Draft.objects.get(pk=draft_id)))

        await self.open([draft_group(draft_id)], threads.read(snapshot))

    async def still_allowed(self) -> bool:
        return bool(await threads.read(_readable)(self.draft_id, self.scope["user"]))

    def parse(self, text: str | None) -> Any:
        raise NotAllowed("The draft's socket sends no commands.")
