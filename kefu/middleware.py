"""Kefu's own middleware. Both work in sync and async mode: under ASGI one sync-only
middleware makes every request hop event loop → thread → event loop before its view
runs in a thread again. (Live writes run the chain in sync mode, in a live thread:
kefu/lib/livethreads.py.)"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from whitenoise.middleware import WhiteNoiseMiddleware


class _BothModes:
    """Runs in the mode of the handler it wraps (Django picks it per chain)."""

    sync_capable = True
    async_capable = True

    def _follow_mode(self, get_response) -> None:
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)


def _accepted(header: str) -> str | None:
    """The first supported language of an Accept-Language header, else None."""
    for code, _quality in parse_accept_lang_header(header[:500]):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


class ChineseFirstLocaleMiddleware(_BothModes):
    """Chinese unless the user chose another language (cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language; Kefu's users
    expect the Chinese UI on any browser until they switch. The API (/api/) follows
    Accept-Language, since its clients have no cookie; without one it is Chinese too.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._follow_mode(get_response)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        self._activate(request)
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        return self._label(request, response)

    async def _acall(self, request):
        self._activate(request)
        try:
            response = await self.get_response(request)
        finally:
            translation.deactivate()
        return self._label(request, response)

    @staticmethod
    def _activate(request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        if chosen not in supported and request.path_info.startswith("/api/"):
            # API clients have no language cookie: they say so with Accept-Language.
            chosen = _accepted(request.headers.get("Accept-Language", ""))
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    @staticmethod
    def _label(request, response):
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class StaticFilesMiddleware(_BothModes, WhiteNoiseMiddleware):
    """WhiteNoise (static files without a separate web server, for closed networks),
    usable in async mode: WhiteNoise's own middleware is sync-only."""

    def __init__(self, get_response=None, settings=settings) -> None:
        super().__init__(get_response, settings)
        self._follow_mode(get_response)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request):
        if self.autorefresh:  # development: looks on disk
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(params) -> bool:
    """A QueryDict (query string or form) with a NUL in any key or value."""
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in params.lists())


def _has_nul(request) -> bool:
    if "\x00" in request.path or _holds_nul(request.GET):
        return True
    return (
        request.method == "POST"
        and request.content_type in _FORM_TYPES
        and _holds_nul(request.POST)
    )


class RejectNulMiddleware(_BothModes):
    """A NUL character in the path, a query parameter or a form field is answered 400.

    No form or parameter has a use for one, and PostgreSQL refuses to store or even
    compare text holding it: a view that let one through answered 500 and, inside a
    transaction, broke every later query of the request. (JSON bodies are checked where
    they are parsed: the API's `Text` type and the importer.)"""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._follow_mode(get_response)

    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        return _nul_refused(request) if _has_nul(request) else self.get_response(request)

    async def _acall(self, request):
        if _has_nul(request):
            return _nul_refused(request)
        return await self.get_response(request)


def _nul_refused(request):
    from django.http import HttpResponseBadRequest, JsonResponse
    from django.utils.translation import gettext as _

    detail = _("The request contains a NUL character, which no field accepts.")
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=400)
    return HttpResponseBadRequest(detail, content_type="text/plain; charset=utf-8")


class RowIdRangeMiddleware(_BothModes):
    """A URL's `<int:…>` past the database's 64-bit ids names no row: 404, before the view
    hands it to a query (SQLite raises OverflowError on it: a 500)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._follow_mode(get_response)

    def __call__(self, request):
        return self.get_response(request)  # in async mode a coroutine, awaited by the caller

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.http import Http404

        from kefu.core.params import MAX_ID

        if request.path_info.startswith("/api/"):
            return None  # the API's schemas bound ids themselves (422, as declared)
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_ID:
                raise Http404
        return None
