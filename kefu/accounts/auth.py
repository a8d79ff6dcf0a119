"""Authentication for the REST API: bearer tokens (scripts, integrations) and the
browser's session (the web pages' own calls).

Both set `request.user`, so every endpoint reads the user the same way and takes its
query sets from `kefu.accounts.access`.

- Bearer: `Authorization: Bearer kefu_…` (see `kefu issue_token`). Not a cookie, so
  no CSRF check is needed.
- Session: the Django log-in cookie. Unsafe methods (POST, PUT, PATCH, DELETE) must
  carry the CSRF token (`X-CSRFToken` header), as for any form of the site.

A request with neither is answered 401 `{"detail": "Unauthorized"}`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from kefu.accounts.models import ApiToken

TOKEN_PREFIX = "kefu_"


class RecentTokens:
    """Tokens checked in the last `KEFU_TOKEN_RECHECK_SECONDS`, per server process.

    A live integration posts a message every few milliseconds with the same token; reading
    the token, its user and the user's permissions again for each was a fifth of a live
    message's cost. Within the window the same user object (and the permissions Django
    cached on it) serves the token's requests; a revoked token, a deactivated user or a
    changed role takes effect within the window. Every request is still checked against
    those permissions and the scoping.
    """

    def __init__(self) -> None:
        self._users: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def user(self, raw: str) -> Any | None:
        window = settings.KEFU_TOKEN_RECHECK_SECONDS
        now = time.monotonic()
        if window > 0:
            with self._lock:
                known = self._users.get(raw)
            if known is not None and now - known[0] < window:
                return known[1]
        user = ApiToken.authenticate(raw)
        if window > 0:
            with self._lock:
                if len(self._users) > 10_000:  # tokens are few; bound it anyway
                    self._users.clear()
                if user is None:
                    self._users.pop(raw, None)
                else:
                    self._users[raw] = (now, user)
        return user


recent_tokens = RecentTokens()


class TokenAuth(HttpBearer):
    """`Authorization: Bearer kefu_…` → the token's (active) user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX):
            return None
        user = recent_tokens.user(token)
        if user is None:
            return None
        # Endpoints (and the scoping functions) read request.user like the web views.
        request.user = user
        request.kefu_auth_method = "token"  # type: ignore[attr-defined]
        return user


class CsrfSessionAuth(SessionAuth):
    """The logged-in browser session; unsafe methods need the CSRF token.

    Anonymous requests are passed on (None) before the CSRF check, so a request without
    any credentials is answered 401, not "CSRF check failed".
    """

    def __call__(self, request: HttpRequest) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        result = super().__call__(request)  # raises HttpError(403) on a bad CSRF token
        if result is not None:
            request.kefu_auth_method = "session"  # type: ignore[attr-defined]
        return result


token_auth = TokenAuth()
session_auth = CsrfSessionAuth()
# Order matters: a bearer token, when present, wins over the cookie.
api_auth = [token_auth, session_auth]
