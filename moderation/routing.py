from __future__ import annotations

from django.urls import path

from moderation import consumers

websocket_urlpatterns = [
    path("ws/events/<slug:slug>/moderate/", consumers.ModeratorConsumer.as_asgi()),
    path("ws/events/<slug:slug>/official/", consumers.OfficialConsumer.as_asgi()),
    path("ws/stage/<slug:token>/", consumers.StageConsumer.as_asgi()),
]
