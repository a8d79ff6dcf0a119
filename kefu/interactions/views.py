"""Browsing pages: conversation list, conversation detail, customer cross-channel timeline.

Every query set starts from `kefu.accounts.access`, so a page never shows more than the
user's scope; objects outside it are 404 (their existence is not revealed). Personal data
is masked unless the user may see it, and each page that shows it unmasked is audited.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts import access
from kefu.accounts.access import (
    can_view_personal_data,
    conversations_visible_to,
    customers_visible_to,
)
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions import actions
from kefu.interactions.choices import Channel, MessageRole
from kefu.interactions.core.facts import REPEAT_WINDOW
from kefu.interactions.filtersets import ConversationFilterSet, category_choices
from kefu.interactions.models import Conversation, Customer, Message, SavedView
from kefu.interactions.personal import PersonalDataView
from kefu.interactions.scores import with_qa_score
from kefu.lib.errors import ActionError
from kefu.lib.paging import KeysetPage, capped_count, keyset_page

TIMELINE_LIMIT = 200
PREVIEW_CHARS = 120

# Large columns the list never shows: not read at all (1M-row tables).
_LIST_DEFERRED = ("extra", "survey_comment", "survey_extra", "order_extra", "content_hash")


def personal_view(request: HttpRequest) -> PersonalDataView:
    return PersonalDataView(can_view_personal_data(request.user))


def is_htmx_fragment(request: HttpRequest) -> bool:
    """An HTMX swap of the results (not a history restore, which needs the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    filterset = ConversationFilterSet(
        request.GET, conversations_visible_to(request.user), user=request.user
    )
    # Invalid fields are shown with their error and not applied.
    matching = filterset.qs
    context = {"form": filterset.form}
    if not is_htmx_fragment(request):
        scenes, problems = category_choices()
        context |= {
            "scenes": scenes,
            "problems": problems,
            "saved_views": list(saved_views_of(request.user)),
            "current_query": actions.view_query(request.GET),
        }
    return render_conversation_list(
        request, matching, "interactions/conversation_list.html", context
    )


def saved_views_of(user) -> QuerySet[SavedView]:
    return access.restrict(SavedView.objects.all(), user)


@login_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters (the `query` field: its query string) by name."""
    params = QueryDict(request.POST.get("query", "")[:4000])
    try:
        view = actions.save_view(request.user, request.POST.get("name", ""), params)
    except ActionError as exc:
        messages.error(request, _(exc.detail))
        query = actions.view_query(params)
        return redirect(reverse("interactions:conversation_list") + (f"?{query}" if query else ""))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect("interactions:saved_view", view.pk)


@login_required
@require_GET
def saved_view_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The list with the view's filters (the list's own scope applies)."""
    view = get_object_or_404(saved_views_of(request.user), pk=pk)
    url = reverse("interactions:conversation_list")
    return redirect(f"{url}?{view.query}" if view.query else url)


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(saved_views_of(request.user), pk=pk)
    actions.delete_view(view, user=request.user)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("interactions:conversation_list")


def render_conversation_list(
    request: HttpRequest,
    matching: QuerySet[Conversation],
    template: str,
    extra_context: dict | None = None,
    *,
    audit_object_type: str = "conversation_list",
) -> HttpResponse:
    """One keyset page of `matching` (already scoped by the caller) in the list's table.

    The full page renders `template` (which includes the results partial); an HTMX swap
    gets the results partial only. Customer names are masked unless the user may see
    them, and an unmasked page is audited. Reused by lists of other pages (e.g. the
    conversations behind a KPI figure).
    """
    page = keyset_page(
        list_rows(matching),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
    )
    total, total_capped = page_total(matching, page, request)
    personal = personal_view(request)
    for conversation in page.items:
        conversation.customer_label = personal.name(conversation.customer.name)
    if personal.unmasked and page.items:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type=audit_object_type,
            detail={"customers": sorted({c.customer.external_id for c in page.items})},
        )
    context = {
        **(extra_context or {}),
        "page": page,
        "total": total,
        "total_capped": total_capped,
    }
    if is_htmx_fragment(request):
        template = "interactions/partials/conversation_results.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def list_rows(conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """The list's rows with what they show, in a constant number of queries.

    Customers come in a second query (pk IN page) rather than a join: with the INNER
    JOIN, SQLite's planner scans customers first and sorts the whole table (2 s on 1M
    rows) instead of walking the created_at index and stopping after one page (1 ms).
    """
    customers = Prefetch("customer", queryset=Customer.objects.only("external_id", "name"))
    return with_qa_score(
        conversations.select_related("agent", "team")
        .prefetch_related(customers)
        .defer(*_LIST_DEFERRED)
    )


def page_total(
    matching: QuerySet[Conversation], page: KeysetPage, request: HttpRequest
) -> tuple[int | None, bool]:
    """The number of matches, shown above the first page only (later pages skip the count).

    A single page needs no query; otherwise the count stops at COUNT_CAP rows.
    """
    if "after" in request.GET or "before" in request.GET:
        return None, False
    if not page.next_cursor:
        return len(page.items), False
    return capped_count(matching)


@login_required
@require_GET
def conversation_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    conversation = get_object_or_404(
        conversations_visible_to(request.user).select_related("customer", "agent", "team"),
        external_id=external_id,
    )
    customer = conversation.customer
    # The customer's own name is masked inside the texts too (尊敬的张昊涛您好).
    personal = personal_view(request).for_customer(customer.name)
    transcript = list(conversation.messages.select_related("agent"))
    for message in transcript:
        message.display_text = personal.text(message.text)
    if personal.unmasked:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="conversation",
            object_id=conversation.external_id,
        )
    context = {
        "conversation": conversation,
        "customer_name": personal.name(customer.name),
        "customer_phone": personal.phone(customer.phone),
        "customer_email": personal.email(customer.email),
        "unmasked": personal.unmasked,
        "transcript": transcript,
        "survey_comment": personal.text(conversation.survey_comment),
        "transfers": conversation.transfers.select_related("from_agent", "to_agent"),
        "escalations": conversation.escalations.all(),
        "is_phone": conversation.channel == Channel.PHONE,
        # The current automatic QA result, linked to the conversation's QA page.
        "qa_result": conversation.qa_results.filter(is_current=True)
        .only("score", "passed", "fatal")
        .first(),
    }
    return render(request, "interactions/conversation_detail.html", context)


@dataclass
class TimelineEntry:
    conversation: Conversation
    preview: str
    # Time since the previous (older) contact when it is a repeat within 7 days.
    repeat_after: timedelta | None = None


@login_required
@require_GET
def customer_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    customer = get_object_or_404(customers_visible_to(request.user), external_id=external_id)
    personal = personal_view(request).for_customer(customer.name)
    conversations = conversations_visible_to(request.user).filter(customer=customer)
    entries = timeline(conversations, personal)
    if personal.unmasked:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="customer",
            object_id=customer.external_id,
        )
    context = {
        "customer": customer,
        "customer_name": personal.name(customer.name),
        "customer_phone": personal.phone(customer.phone),
        "customer_email": personal.email(customer.email),
        "unmasked": personal.unmasked,
        "summary": customer_summary(conversations),
        "entries": entries,
        "timeline_limited": len(entries) == TIMELINE_LIMIT,
        "chart": monthly_contacts(conversations),
    }
    return render(request, "interactions/customer_detail.html", context)


def timeline(conversations: QuerySet[Conversation], personal: PersonalDataView) -> list:
    """Newest first, each with its first customer message and repeat-contact gap."""
    first_text = (
        Message.objects.filter(conversation=OuterRef("pk"), role=MessageRole.CUSTOMER)
        .order_by("seq")
        .values("text")[:1]
    )
    rows = list(
        conversations.select_related("agent", "team")
        .defer("extra", "survey_extra", "order_extra")
        .annotate(first_text=Subquery(first_text))
        .order_by("-created_at", "-pk")[:TIMELINE_LIMIT]
    )
    entries = [TimelineEntry(c, personal.text(c.first_text or "")[:PREVIEW_CHARS]) for c in rows]
    for newer, older in pairwise(entries):
        gap = newer.conversation.created_at - older.conversation.created_at
        if gap <= REPEAT_WINDOW:
            newer.repeat_after = gap
    return entries


def customer_summary(conversations: QuerySet[Conversation]) -> dict:
    """Totals over every visible conversation of the customer (not only the shown ones)."""
    totals = conversations.aggregate(
        total=Count("pk"),
        complaints=Count("pk", filter=Q(complaint=True)),
        escalations=Count("pk", filter=Q(escalated=True)),
        first=Min("created_at"),
        last=Max("created_at"),
    )
    by_channel = Counter(
        dict(conversations.order_by().values_list("channel").annotate(n=Count("pk")))
    )
    totals["by_channel"] = [(label, by_channel[value], value) for value, label in Channel.choices]
    return totals


def monthly_contacts(conversations: QuerySet[Conversation]) -> dict:
    """ECharts data: contacts per month (local time) and channel, as a stacked bar chart."""
    rows = (
        conversations.order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("month", "channel")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for month, channel, n in rows:
        counts[f"{month:%Y-%m}"][channel] = n
    months = sorted(counts)
    return {
        "months": months,
        "series": [
            {"name": str(label), "data": [counts[m].get(value, 0) for m in months]}
            for value, label in Channel.choices
        ],
    }
