"""ASGI entry point: HTTP through Django; websockets through Channels, origin, auth and the
route's declared access (config/access.py) checked."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.access import SocketAccessMiddleware  # noqa: E402
from config.access_log import SocketLogMiddleware  # noqa: E402
from config.metrics import start_metrics_server  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SocketLogMiddleware(
            AllowedHostsOriginValidator(
                AuthMiddlewareStack(SocketAccessMiddleware(URLRouter(websocket_urlpatterns)))
            )
        ),
    }
)
start_metrics_server()
