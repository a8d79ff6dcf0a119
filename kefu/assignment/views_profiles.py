"""The agents' routing profiles: every agent the user sees with their tier, skills
(channels, product lines, languages) and capacity, and the form that changes one through
`actions.save_profile` (audited). Routing managers and monitors see every agent,
supervisors their teams' (and change them), an agent their own, read-only.

Every read starts from `kefu.accounts.access`; an agent outside the user's scope is 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kefu.accounts import access
from kefu.accounts.models import Agent, Team
from kefu.assignment import actions, selectors
from kefu.interactions.choices import Channel
from kefu.lib.errors import ActionError

CHANNEL_LABELS = dict(Channel.choices)


class ProfileForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("none ticked: every channel"),
    )
    product_lines = forms.CharField(
        label=gettext_lazy("product lines"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("comma-separated; empty: every product line"),
    )
    languages = forms.CharField(
        label=gettext_lazy("languages"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("comma-separated; empty: every language"),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("capacity"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=gettext_lazy("conversations at once; empty: the default capacity"),
    )


def _row(agent: Agent, default_capacity: int, changeable: bool) -> dict:
    profile = getattr(agent, "routing_profile", None)
    channels = profile.channels if profile else []
    return {
        "agent": agent,
        "channels": [CHANNEL_LABELS.get(c, c) for c in channels],
        "product_lines": profile.product_lines if profile else [],
        "languages": profile.languages if profile else [],
        "capacity": (profile.capacity if profile else None) or default_capacity,
        "own_capacity": bool(profile and profile.capacity),
        "changeable": changeable,
    }


@login_required
@require_GET
def profiles(request: HttpRequest) -> HttpResponse:
    """The agents the user sees, by team, with their routing skills and capacity."""
    if not selectors.may_see_profiles(request.user):
        raise PermissionDenied
    teams = list(
        access.team_rows(Team.objects.order_by("name"), request.user, selectors.PROFILE_VIEW)
    )
    team = next((t for t in teams if str(t.pk) == request.GET.get("team")), None)
    agents = list(selectors.profile_agents(request.user, team.pk if team else None))
    changeable = selectors.changeable_agent_ids(request.user, [a.pk for a in agents])
    default_capacity = selectors.config().settings.default_capacity
    return render(
        request,
        "assignment/profiles.html",
        {
            "rows": [_row(a, default_capacity, a.pk in changeable) for a in agents],
            "teams": teams,
            "team": team,
            "default_capacity": default_capacity,
            "may_monitor": access.can_monitor(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, external_id: str) -> HttpResponse:
    """One agent's routing profile; the form for those who may change it."""
    agent = selectors.profile_agents(request.user).filter(external_id=external_id).first()
    if agent is None:
        raise Http404
    changeable = bool(selectors.changeable_agent_ids(request.user, [agent.pk]))
    default_capacity = selectors.config().settings.default_capacity
    current = getattr(agent, "routing_profile", None)
    initial = {
        "channels": current.channels if current else [],
        "product_lines": ", ".join(current.product_lines) if current else "",
        "languages": ", ".join(current.languages) if current else "",
        "capacity": current.capacity if current else None,
    }
    form = ProfileForm(initial=initial)
    status = 200
    if request.method == "POST":
        if not changeable:
            raise PermissionDenied
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                actions.save_profile(agent.pk, form.cleaned_data, user=request.user)
            except ActionError as exc:
                if exc.status == 404:
                    raise Http404 from None
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Routing profile saved: %(agent)s.") % {"agent": agent})
                url = reverse("assignment:profiles")
                if agent.team_id:
                    url += f"?team={agent.team_id}"
                return redirect(f"{url}#agent-{agent.external_id}")
        status = 400
    return render(
        request,
        "assignment/profile.html",
        {
            "agent": agent,
            "row": _row(agent, default_capacity, changeable),
            "form": form,
            "default_capacity": default_capacity,
            "may_monitor": access.can_monitor(request.user),
        },
        status=status,
    )
