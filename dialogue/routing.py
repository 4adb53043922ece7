from __future__ import annotations

from django.urls import path

from dialogue import consumers

websocket_urlpatterns = [
    path("ws/events/<slug:slug>/", consumers.EventConsumer.as_asgi()),
]
