"""Names people type (display names, organization and invitation names, device names): trimmed, and
refused with a field error when they are only spaces or hold NUL bytes or other control characters."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from billingone.lib.text import name_problem


def check_name(value: str, field: str = "name") -> str:
    """The name to store (trimmed), or ValidationError({field: [why]})."""
    problem = name_problem(value or "")
    if problem:
        raise ValidationError({field: [problem]})
    return (value or "").strip()


class NameField(forms.CharField):
    """A CharField that sees the untrimmed input, so "   " is refused instead of saved as empty."""

    def __init__(self, **kwargs):
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        problem = name_problem(value or "")
        if problem:
            raise ValidationError(problem, code="invalid_name")
        return (value or "").strip()
