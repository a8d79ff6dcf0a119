"""ASGI entry point (Uvicorn): HTTP through Django, WebSockets through Channels."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
django.setup(set_prefix=False)

# Django's own handler (get_asgi_application), with live writes served in live threads
# (or exactly Django's with KEFU_SERVER_FAST_PATH=0: kefu/lib/server_adapter.py).
from kefu.lib.server_adapter import asgi_handler  # noqa: E402

django_asgi_app = asgi_handler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from kefu.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What is loaded by now (Django, the apps, the URL and middleware set-up) lives as long as
# the process: kept out of the garbage collector's full passes, which otherwise scanned
# it all and paused the live path 75-157 ms every few seconds (45-58 ms after this).
gc.collect()
gc.freeze()
