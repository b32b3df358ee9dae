"""The Audit Logs section's filter bar; its choices come from the organization's own log."""

from __future__ import annotations

from django import forms
from django.db.models import Value

from billingone.audit.events import describe, target_kind
from billingone.audit.models import AuditEvent
from billingone.audit.query import SYNC_PREFIX


def filter_values(organization) -> tuple[list[str], list[str], list[str]]:
    """The distinct actors, actions and target types of the organization's log, in one query
    (a UNION of three DISTINCT columns): the database reduces them, not Python."""
    events = AuditEvent.objects.for_organization(organization).order_by()

    def column(kind: str, name: str):
        return events.exclude(**{name: ""}).annotate(kind=Value(kind)).values_list("kind", name)

    found: dict[str, list[str]] = {"actor": [], "action": [], "target": []}
    values = column("actor", "actor_label").union(column("action", "action"), column("target", "target_type"))
    for kind, value in values.order_by():  # no ORDER BY: the model's default names no column here
        found[kind].append(value)
    return sorted(found["actor"]), sorted(found["action"]), sorted(found["target"])


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(required=False, label="Actor")
    action = forms.ChoiceField(required=False, label="Action")
    target_type = forms.ChoiceField(required=False, label="Target")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, organization, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        actors, actions, targets = filter_values(organization)
        self.fields["actor"].choices = [("", "Anyone"), ("system", "System"), *[(a, a) for a in actors]]
        action_choices = [("", "All actions")]
        if any(action.startswith(SYNC_PREFIX) for action in actions):
            action_choices.append((SYNC_PREFIX + "*", "Sync history (all sync runs)"))
        action_choices += sorted(((action, describe(action)) for action in actions), key=lambda choice: choice[1])
        self.fields["action"].choices = action_choices
        self.fields["target_type"].choices = [("", "Any target"), *[(t, target_kind(t)) for t in targets]]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be on or after the start date.")
        return cleaned
