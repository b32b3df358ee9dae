"""The preferences matrix as a form: one checkbox per event × channel."""

from __future__ import annotations

from django import forms

from billingone.notifications.events import CHANNELS, NotificationEvent


def field_name(event_key: str, channel: str) -> str:
    return f"{event_key}__{channel}"


class PreferencesForm(forms.Form):
    def __init__(self, events: list[NotificationEvent], rows: list[dict], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events = events
        current = {row["event"]: row for row in rows}
        for event in events:
            for channel in CHANNELS:
                name = field_name(event.key, channel.value)
                self.fields[name] = forms.BooleanField(
                    required=False,
                    initial=current[event.key][channel.value],
                    disabled=event.locked(channel),
                    label=f"{event.label}: {channel.value.replace('_', '-')}",
                )

    def matrix(self) -> list[dict]:
        return [
            {"event": event, "cells": [self[field_name(event.key, channel.value)] for channel in CHANNELS]}
            for event in self.events
        ]

    def rows(self) -> list[dict]:
        return [
            {
                "event": event.key,
                **{c.value: bool(self.cleaned_data.get(field_name(event.key, c.value))) for c in CHANNELS},
            }
            for event in self.events
        ]


class PolicyForm(forms.Form):
    sync_failures_enabled = forms.BooleanField(
        required=False,
        label="Send integration sync-failure notifications",
        help_text="When on, members get email, in-app and push notices (as they chose) when a sync fails.",
    )
