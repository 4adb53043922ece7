from __future__ import annotations

from django.urls import path

from consultation import consumers

websocket_urlpatterns = [
    path("ws/consultation/<int:pk>/", consumers.DraftConsumer.as_asgi()),
]
