"""WebSocket routes; each domain app appends its consumers here."""

from kefu.monitoring.routing import websocket_urlpatterns as monitoring

websocket_urlpatterns: list = [*monitoring]
