"""Audit Logs labels for people: field names of "What changed"."""

from django import template

from billingone.audit import events

register = template.Library()
register.filter("field_label", events.field_label)
