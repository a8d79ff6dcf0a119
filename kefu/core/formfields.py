"""Form fields shared by the apps' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kefu.core.params import parse_id


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose values must be database ids before they are looked up:
    Django's own passes `pk__in=[2**63]` to SQLite, which raises OverflowError (a 500)."""

    def _check_values(self, value: Any) -> Any:
        for item in value:
            if parse_id(item) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)
