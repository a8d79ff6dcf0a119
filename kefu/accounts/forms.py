"""Forms of the people-and-access pages; the writes are kefu.accounts.actions'."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.actions import UserData
from kefu.accounts.choices import Role, Tier
from kefu.accounts.models import Agent, Team
from kefu.lib.localtime import configured_tz

User = get_user_model()


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agent_id = forms.CharField(
        label=_("Agent id"),
        max_length=64,
        required=False,
        help_text=_("The agent's id in the imported data; a new id creates the agent record."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("No team"),
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", "—"), *Tier.choices], required=False)

    @classmethod
    def for_user(cls, user, data: Any = None) -> UserForm:
        agent = Agent.objects.filter(user=user).select_related("team").first()
        initial = {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "email": user.email,
            "roles": list(user.groups.values_list("name", flat=True)),
            "agent_id": agent.external_id if agent else "",
            "team": agent.team_id if agent else None,
            "tier": agent.tier if agent else "",
        }
        return cls(data, initial=initial)

    def user_data(self) -> UserData:
        d = self.cleaned_data
        return UserData(
            username=d["username"],
            name=d["name"],
            email=d["email"],
            roles=tuple(d["roles"]),
            agent_id=d["agent_id"].strip(),
            team=d["team"],
            tier=d["tier"],
        )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
    supervisors = forms.ModelMultipleChoiceField(
        label=_("Supervisors"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Supervisors see their teams' conversations, reviews and live work."),
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The active users with the supervisor role, and the team's present supervisors.
        offered = Q(is_active=True, groups__name=Role.SUPERVISOR)
        if team is not None:
            offered |= Q(supervised_teams=team)
        field = self.fields["supervisors"]
        field.queryset = User.objects.filter(offered).distinct().order_by("username")  # type: ignore[attr-defined]


class MoveAgentsForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        label=_("Agents to move into this team"),
        queryset=Agent.objects.select_related("team").order_by("external_id"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )


class TokenForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("For user"), queryset=User.objects.filter(is_active=True).order_by("username")
    )
    name = forms.CharField(label=_("What it is for"), max_length=100, help_text=_("e.g. CRM sync"))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the token does not expire. It stops working at the end of the day."),
    )

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.combine(day, time.max, tzinfo=configured_tz())

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate(timezone=configured_tz()):
            raise forms.ValidationError(_("The expiry must be in the future."))
        return day
