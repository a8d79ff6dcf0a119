"""WebSocket routes; each domain app appends its consumers here."""

websocket_urlpatterns: list = []
