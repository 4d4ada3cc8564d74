"""ASGI entry point: Django for HTTP, Channels for WebSockets."""

from config.env import set_default_settings_module

set_default_settings_module()

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the routing below does).
django_asgi_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
