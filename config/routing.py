"""WebSocket routes (Channels)."""

from django.urls import path

from inbox.consumers import TenantEventsConsumer

websocket_urlpatterns = [
    path("ws/t/<slug:tenant_slug>/", TenantEventsConsumer.as_asgi()),
]
