"""The bell in the header (unread count, loaded and refreshed by HTMX so pages pay no
query for it) and the list page with mark-read."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kefu.core.paging import keyset_page
from kefu.notifications.actions import mark_read
from kefu.notifications.selectors import notifications_of, unread_count

BELL_LATEST = 5


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    latest = list(notifications_of(request.user).filter(read_at=None)[:BELL_LATEST])
    context = {"unread": unread_count(request.user) if latest else 0, "latest": latest}
    return render(request, "notifications/bell.html", context)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = notifications_of(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at=None)
    page = keyset_page(
        qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
    )
    context = {"page": page, "unread_only": unread_only, "unread": unread_count(request.user)}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one read and go where it points (only to this site)."""
    notification = get_object_or_404(notifications_of(request.user), pk=pk)
    mark_read(request.user, [notification.pk])
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}):
        return redirect(url)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    mark_read(request.user)
    if request.headers.get("HX-Request"):  # from the bell: answer the emptied bell
        return render(request, "notifications/bell.html", {"unread": 0, "latest": []})
    return redirect("notifications:list")
