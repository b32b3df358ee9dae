"""The Dashboard's recent activity: syncs, reconciliations, queue actions and draft pushes from the
audit log, and the latest invoices from the synced rows. Two queries, each a fixed slice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from billingone.audit.events import describe
from billingone.audit.models import AuditEvent
from billingone.billing.models import Invoice
from billingone.integrations import registry

RECENT = 8
LATEST_INVOICES = 5
SHOWN_ACTIONS = Q(action__in=("integration.sync.succeed", "integration.sync.fail", "reconciliation.run")) | (
    (Q(action__startswith="missed_billing.") & ~Q(action="missed_billing.export"))
    | Q(action__startswith="invoice_draft.")
)
DRAFT_VERBS = {"create": "Draft created", "update": "Draft edited", "approve": "Draft approved"}
# The invoice drafts page, once it exists (named by the drafts work); until then its links are left out.
DRAFT_PAGES = ("invoice_drafts", "drafts")


def page_url(name: str, slug: str, query: str = "") -> str | None:
    """The URL of an organization page, or None when the page is not built (nothing links nowhere)."""
    try:
        url = reverse(name, kwargs={"slug": slug})
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def drafts_url(slug: str, query: str = "") -> str | None:
    for name in DRAFT_PAGES:
        if url := page_url(name, slug, query):
            return url
    return None


def draft_url(slug: str, draft_id: str) -> str | None:
    """One invoice draft's page, when the drafts pages exist and the id is one."""
    if not draft_id.isdigit():
        return drafts_url(slug)
    try:
        return reverse("invoice_draft", kwargs={"slug": slug, "draft_id": int(draft_id)})
    except NoReverseMatch:
        return drafts_url(slug)


@dataclass(frozen=True)
class Activity:
    at: datetime
    kind: str  # sync | reconciliation | finding | draft | push | invoice
    title: str
    detail: str
    tone: str  # success | danger | info | muted
    url: str | None


def recent(organization) -> list[Activity]:
    events = AuditEvent.objects.filter(SHOWN_ACTIONS, organization=organization).order_by("-created_at", "-id")
    return [activity_of(event, organization.slug) for event in events[:RECENT]]


def latest_invoices(organization) -> list[Invoice]:
    rows = Invoice.objects.filter(organization=organization, removed_at__isnull=True).select_related("customer")
    return list(rows.order_by("-issue_date", "-pk")[:LATEST_INVOICES])


def provider_name(key: str) -> str:
    provider = registry.PROVIDERS.get(key)
    return provider.name if provider else key.replace("_", " ").title()


def _counts_text(counts: dict) -> str:
    parts = [f"{counts[key]} {word}" for key, word in (("created", "new"), ("updated", "updated")) if counts.get(key)]
    parts += [f"{counts['removed']} removed"] if counts.get("removed") else []
    return ", ".join(parts) or "no changes"


def activity_of(event: AuditEvent, slug: str) -> Activity:
    data, action, at = event.data or {}, event.action, event.created_at
    if action.startswith("integration.sync."):
        name = provider_name(data.get("provider", ""))
        url = page_url("settings_integrations", slug)
        if action.endswith("fail"):
            return Activity(at, "sync", f"{name} sync failed", data.get("error", "")[:160], "danger", url)
        return Activity(at, "sync", f"{name} synced", _counts_text(data.get("counts", {})), "success", url)
    if action == "reconciliation.run":
        found, resolved = data.get("new_or_grown", 0), data.get("resolved", 0)
        detail = f"{found} new or grown gap{'s' if found != 1 else ''}, {resolved} resolved"
        return Activity(at, "reconciliation", "Reconciled", detail, "info", page_url("reconciliation", slug))
    if action.startswith("missed_billing."):
        detail = f"{action.partition('.')[2].capitalize()} by {event.actor_label or 'BillingOne'}"
        return Activity(at, "finding", event.target_label, detail, "muted", page_url("missed_billing", slug))
    return _draft_activity(event, slug)


def _draft_activity(event: AuditEvent, slug: str) -> Activity:
    """invoice_draft.create / update / approve / delete, and .push whose data says pushed or failed."""
    data, verb = event.data or {}, event.action.rpartition(".")[2]
    title = event.target_label or describe(event.action)
    url = draft_url(slug, event.target_id) if verb != "delete" else drafts_url(slug)
    if verb == "push" and data.get("outcome") == "failed":
        return Activity(event.created_at, "push", title, f"Push failed: {data.get('error', '')}"[:160], "danger", url)
    if verb == "push":
        return Activity(event.created_at, "push", title, "Pushed to the accounting system", "success", url)
    detail = DRAFT_VERBS.get(verb, describe(event.action))
    return Activity(event.created_at, "draft", title, f"{detail} by {event.actor_label or 'BillingOne'}", "info", url)


def invoice_activity(invoice: Invoice, slug: str) -> Activity:
    at = invoice.updated_at or datetime.combine(invoice.issue_date or datetime.min.date(), time.min, tzinfo=UTC)
    client = invoice.customer.name if invoice.customer else invoice.customer_name
    title = f"Invoice {invoice.number or invoice.external_id} · {client}"
    detail = f"{invoice.total:,.2f} {invoice.currency} · {invoice.display_status()}"
    return Activity(at, "invoice", title, detail, "muted", page_url("invoices", slug, urlencode({"q": invoice.number})))


def merged(events: list[Activity], invoices: list[Invoice], slug: str) -> list[Activity]:
    """The audit log's entries and the latest invoices as one feed, newest first."""
    items = [*events, *(invoice_activity(invoice, slug) for invoice in invoices)]
    return sorted(items, key=lambda item: item.at, reverse=True)[:RECENT]
