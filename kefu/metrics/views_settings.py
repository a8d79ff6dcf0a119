"""KPI settings pages and the monthly review export (being built)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    raise Http404


@login_required
def review_export(request: HttpRequest) -> HttpResponse:
    raise Http404
