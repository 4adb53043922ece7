"""Every websocket path of the project."""

from __future__ import annotations

from consultation.routing import websocket_urlpatterns as consultation_sockets
from dialogue.routing import websocket_urlpatterns as dialogue_sockets
from moderation.routing import websocket_urlpatterns as moderation_sockets

websocket_urlpatterns = [*dialogue_sockets, *moderation_sockets, *consultation_sockets]
