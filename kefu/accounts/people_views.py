"""People and access (/people/): users, roles, teams and API tokens, for administrators.

Every page asks `kefu.accounts.access` (administrators only: anyone else is answered 403,
an unknown object 404); every write goes through `kefu.accounts.actions`, which audits it.
A new password or token secret is shown once, on the page that answers the POST.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access, actions
from kefu.accounts.choices import Role
from kefu.accounts.filtersets import UserFilterSet
from kefu.accounts.forms import MoveAgentsForm, TeamForm, TokenForm, UserForm
from kefu.accounts.models import Agent, ApiToken, Team
from kefu.accounts.roles import permission_matrix
from kefu.audit.models import AuditLog
from kefu.lib.errors import ActionError

User = get_user_model()
RECENT_AUDIT = 10


def administrators(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the log-in page) and an administrator (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.administers_people(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _user(request: HttpRequest, user_id: int):
    user = access.restrict(User.objects.all(), request.user, access.ADMINISTER)
    found = user.filter(pk=user_id).first()
    if found is None:
        raise Http404
    return found


def _team(request: HttpRequest, team_id: int) -> Team:
    team = access.restrict(Team.objects.all(), request.user, access.ADMINISTER)
    found = team.filter(pk=team_id).first()
    if found is None:
        raise Http404
    return found


def _recent(object_type: str, object_id: str) -> list[AuditLog]:
    rows = AuditLog.objects.filter(object_type=object_type, object_id=object_id)
    return list(rows.order_by("-at")[:RECENT_AUDIT])


# --- users --------------------------------------------------------------------------------
@administrators
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    rows = access.restrict(User.objects.all(), request.user, access.ADMINISTER)
    rows = rows.select_related("agent__team").prefetch_related("groups").order_by("username")
    filters = UserFilterSet(request.GET, queryset=rows)
    found = list(filters.qs.distinct()[: settings.KEFU_PAGE_SIZE])
    locked = actions.locked_usernames(u.get_username() for u in found)
    labels = dict(Role.choices)
    for u in found:
        u.role_labels = [labels.get(g.name, g.name) for g in u.groups.all()]
        u.locked = u.get_username() in locked
    context = {"tab": "users", "filter": filters, "rows": found, "limit": settings.KEFU_PAGE_SIZE}
    return render(request, "people/users.html", context)


@administrators
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = actions.create_user(request.user, form.user_data())
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            return render(
                request,
                "people/password.html",
                {"tab": "users", "shown": user, "password": password, "new": True},
            )
    return render(request, "people/user_form.html", {"tab": "users", "form": form})


@administrators
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    shown = _user(request, user_id)
    form = UserForm.for_user(shown, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_user(request.user, shown, form.user_data())
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:user", user_id=shown.pk)
    context = {
        "tab": "users",
        "form": form,
        "shown": shown,
        "locked": bool(actions.locked_usernames([shown.get_username()])),
        "tokens": shown.api_tokens.order_by("-created_at"),
        "audit": _recent("user", shown.get_username()),
    }
    return render(request, "people/user_form.html", context)


@administrators
@require_POST
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    shown = _user(request, user_id)
    active = request.POST.get("active") == "1"
    try:
        actions.set_active(request.user, shown, active)
    except ActionError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Reactivated.") if active else _("Deactivated."))
    return redirect("people:user", user_id=shown.pk)


@administrators
@require_POST
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    shown = _user(request, user_id)
    password = actions.reset_password(request.user, shown)
    return render(
        request,
        "people/password.html",
        {"tab": "users", "shown": shown, "password": password, "new": False},
    )


@administrators
@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    shown = _user(request, user_id)
    count = actions.unlock(request.user, shown)
    messages.success(
        request, _("Unlocked (%(count)s failed attempts forgotten).") % {"count": count}
    )
    return redirect("people:user", user_id=shown.pk)


# --- roles --------------------------------------------------------------------------------
@administrators
@require_GET
def roles(request: HttpRequest) -> HttpResponse:
    counts = dict(
        User.objects.filter(is_active=True, groups__name__isnull=False)
        .values_list("groups__name")
        .annotate(n=Count("pk"))
    )
    columns = [(role.value, role.label, counts.get(role.value, 0)) for role in Role]
    context = {"tab": "roles", "columns": columns, "matrix": permission_matrix()}
    return render(request, "people/roles.html", context)


# --- teams --------------------------------------------------------------------------------
@administrators
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.create_team(
                request.user, form.cleaned_data["name"], form.cleaned_data["supervisors"]
            )
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Team created."))
            return redirect("people:team", team_id=team.pk)
    rows = (
        access.restrict(Team.objects.all(), request.user, access.ADMINISTER)
        .annotate(agent_count=Count("agents", distinct=True))
        .prefetch_related(Prefetch("supervisors", queryset=User.objects.order_by("username")))
        .order_by("name")
    )
    return render(request, "people/teams.html", {"tab": "teams", "rows": rows, "form": form})


@administrators
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    shown = _team(request, team_id)
    form = TeamForm(
        request.POST or None,
        team=shown,
        initial={"name": shown.name, "supervisors": list(shown.supervisors.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_team(
                request.user, shown, form.cleaned_data["name"], form.cleaned_data["supervisors"]
            )
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:team", team_id=shown.pk)
    return _team_page(request, shown, form, MoveAgentsForm())


def _team_page(request: HttpRequest, shown: Team, form: TeamForm, move: MoveAgentsForm):
    move.fields["agents"].queryset = move.fields["agents"].queryset.exclude(team=shown)
    context = {
        "tab": "teams",
        "shown": shown,
        "form": form,
        "move": move,
        "members": shown.agents.select_related("user").order_by("external_id"),
        "audit": _recent("team", str(shown.pk)),
    }
    return render(request, "people/team.html", context)


@administrators
@require_POST
def team_move(request: HttpRequest, team_id: int) -> HttpResponse:
    shown = _team(request, team_id)
    move = MoveAgentsForm(request.POST)
    if move.is_valid():
        agents = access.restrict(
            Agent.objects.select_related("team"), request.user, access.ADMINISTER
        ).filter(pk__in=move.cleaned_data["agents"])
        count = actions.move_agents(request.user, agents, shown)
        messages.success(request, _("%(count)s agents moved.") % {"count": count})
        return redirect("people:team", team_id=shown.pk)
    form = TeamForm(
        team=shown, initial={"name": shown.name, "supervisors": list(shown.supervisors.all())}
    )
    return _team_page(request, shown, form, move)


# --- API tokens ---------------------------------------------------------------------------
@administrators
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, initial={"user": request.GET.get("user")})
    issued = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            issued, secret = actions.issue_token(
                request.user,
                form.cleaned_data["user"],
                form.cleaned_data["name"],
                form.expires_at(),
            )
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            form = TokenForm()
    rows = access.restrict(
        ApiToken.objects.select_related("user"), request.user, access.ADMINISTER
    ).order_by("revoked", "-created_at")
    context = {"tab": "tokens", "rows": rows, "form": form, "issued": issued, "secret": secret}
    return render(request, "people/tokens.html", context)


@administrators
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = (
        access.restrict(ApiToken.objects.select_related("user"), request.user, access.ADMINISTER)
        .filter(pk=token_id)
        .first()
    )
    if token is None:
        raise Http404
    actions.revoke_token(request.user, token)
    messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("people:tokens")
