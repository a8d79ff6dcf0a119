"""Forms of the catalogue pages (courses, lessons, attachments, tracks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Tier
from kefu.training.choices import CourseKind
from kefu.training.models import Area, Course

RECURRENCE_CHOICES = [
    ("", _("Once")),
    ("weekly", _("Weekly")),
    ("monthly", _("Monthly")),
    ("quarterly", _("Quarterly")),
]


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CourseKind.choices)
    area = forms.ModelChoiceField(
        label=_("Knowledge area"), queryset=Area.objects.order_by("code"), required=False
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0, max_value=999, decimal_places=1, initial=1
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_course(cls, course: Course | None, data=None) -> CourseForm:
        initial = None
        if course is not None:
            initial = {
                "title": course.title,
                "kind": course.kind,
                "area": course.area_id,
                "hours": course.hours,
                "summary": course.summary,
                "active": course.active,
            }
        return cls(data, initial=initial)


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    position = forms.IntegerField(label=_("Position"), min_value=1, max_value=999, required=False)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600, initial=15)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "mono"}),
        help_text=_(
            "Markdown: # headings, **bold**, lists, | tables |, [links](https://…). "
            "HTML is shown as text."
        ),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, image (PNG, JPEG, GIF, WebP), audio (MP3, M4A, WAV, OGG) or video "
                    "(MP4, WebM)."),
    )  # fmt: skip


class TrackForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    tier = forms.ChoiceField(
        label=_("Tier"), choices=[("", _("Everyone")), *Tier.choices], required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TrackItemForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.order_by("title"), required=False
    )
    due_day = forms.IntegerField(label=_("Due on day"), min_value=1, max_value=3650, required=False)
    weight_percent = forms.IntegerField(
        label=_("Weight (%)"), min_value=0, max_value=100, required=False
    )
    recurrence = forms.ChoiceField(label=_("Recurs"), choices=RECURRENCE_CHOICES, required=False)


TrackItemFormSet = forms.formset_factory(TrackItemForm, extra=2, max_num=30, validate_max=True)
