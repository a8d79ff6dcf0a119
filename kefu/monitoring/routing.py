from django.urls import path

from kefu.monitoring import consumers

websocket_urlpatterns = [
    path("ws/live/console/", consumers.ConsoleConsumer.as_asgi()),
    path("ws/live/conversations/<extid:external_id>/", consumers.ListenConsumer.as_asgi()),
    path("ws/live/workspace/", consumers.WorkspaceConsumer.as_asgi()),
]
