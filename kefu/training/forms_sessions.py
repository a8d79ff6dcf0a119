"""Forms of the session pages (scheduling, enrolment, check-in) and the training settings."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Role, Tier
from kefu.accounts.models import Agent, Team
from kefu.lib.formfields import IdMultipleChoiceField
from kefu.training.choices import Attendance, CourseKind
from kefu.training.models import Course, TrainingSession, TrainingSettings

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_FORMAT)


class UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def instructors():
    """Trainers and supervisors (who run sessions), active, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=Role.TRAINER) | Q(groups__name=Role.SUPERVISOR))
        .order_by("username")
        .distinct()
    )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.filter(active=True).order_by("title"),
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=LocalDateTimeInput(), input_formats=[LOCAL_FORMAT]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=LocalDateTimeInput(), input_formats=[LOCAL_FORMAT]
    )
    instructor = UserChoice(label=_("Instructor"), queryset=instructors(), required=False)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    link = forms.URLField(
        label=_("Link"), required=False, assume_scheme="https", help_text=_("For online sessions.")
    )
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, max_value=10_000, required=False,
        help_text=_("Empty: no limit."),
    )  # fmt: skip

    @classmethod
    def for_session(cls, session: TrainingSession | None, data=None) -> SessionForm:
        if session is None:
            return cls(data)
        local = timezone.localtime
        return cls(
            data,
            initial={
                "title": session.title,
                "course": session.course_id,
                "kind": session.kind,
                "starts_at": local(session.starts_at).strftime(LOCAL_FORMAT),
                "ends_at": local(session.ends_at).strftime(LOCAL_FORMAT),
                "instructor": session.instructor_id,
                "place": session.place,
                "link": session.link,
                "capacity": session.capacity,
            },
        )


class EnrolForm(forms.Form):
    """One way of choosing agents: by hand, a team, a tier, or a rule (recent hires)."""

    HOW = [
        ("agents", _("These agents")),
        ("team", _("A team")),
        ("tier", _("A tier")),
        ("rule", _("New hires of the last N days")),
    ]
    how = forms.ChoiceField(
        label=_("Enrol"), choices=HOW, widget=forms.RadioSelect, initial="agents"
    )
    agents = IdMultipleChoiceField(
        label=_("Agents"), queryset=Agent.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", "—"), *Tier.choices], required=False)
    hired_within_days = forms.IntegerField(
        label=_("Hired in the last (days)"), min_value=1, max_value=3650, required=False,
        initial=30,
    )  # fmt: skip

    def __init__(self, *args, agents=None, teams=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if agents is not None:
            self.fields["agents"].queryset = agents
        if teams is not None:
            self.fields["team"].queryset = teams

    def clean(self):
        data = super().clean()
        how = data.get("how")
        needed = {"agents": "agents", "team": "team", "tier": "tier", "rule": "hired_within_days"}
        if how in needed and not data.get(needed[how]):
            self.add_error(needed[how], _("Choose whom to enrol."))
        return data


class AttendanceForm(forms.Form):
    """Built per session: one choice per enrolment (field name e<pk>)."""

    def __init__(self, *args, enrolments=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for e in enrolments:
            self.fields[f"e{e.pk}"] = forms.ChoiceField(
                label=str(e.agent), choices=Attendance.choices, initial=e.attendance
            )

    def marks(self) -> dict[int, str]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Session code"), max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )  # fmt: skip


class SettingsForm(forms.ModelForm):
    class Meta:
        model = TrainingSettings
        fields = [
            "absence_limit",
            "absence_penalty_percent",
            "pass_score",
            "certificate_valid_days",
            "expiry_reminder_days",
        ]
