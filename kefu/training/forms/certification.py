"""Forms of the certification pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.lib.formfields import DateInput
from kefu.training.models import CertificationCycle, Exam


class CycleForm(forms.ModelForm):
    class Meta:
        model = CertificationCycle
        fields = [
            "name", "starts_on", "ends_on", "knowledge_weight", "communication_weight",
            "problem_weight", "pass_score", "knowledge_exam", "problem_exam", "retest_exam",
        ]  # fmt: skip
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("knowledge_exam", "problem_exam", "retest_exam"):
            self.fields[name].queryset = Exam.objects.order_by("-created_at")

    def clean(self) -> dict:
        data = super().clean()
        weights = [data.get(k) or 0 for k in
                   ("knowledge_weight", "communication_weight", "problem_weight")]  # fmt: skip
        if sum(weights) != 100:
            raise forms.ValidationError(_("The three weights must add up to 100."))
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The quarter cannot end before it starts."))
        if data.get("pass_score") is not None and data["pass_score"] > 100:
            self.add_error("pass_score", _("At most 100."))
        return data
