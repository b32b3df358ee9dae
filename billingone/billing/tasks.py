"""Background reconciliation (django.tasks on the django-tasks-db worker)."""

from __future__ import annotations

from django.tasks import task

from billingone.orgs.models import Organization


@task
def reconcile(organization_id: int, trigger: str, client_ids: list[int] | None = None, actor_id: int | None = None):
    """Reconcile one organization (or some of its clients) away from the request or the sync."""
    from billingone.accounts.models import User
    from billingone.billing import product_mapping
    from billingone.billing.reconciliation import reconcile_organization

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {"skipped": "organization gone"}
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run = reconcile_organization(organization, trigger, client_ids=client_ids, actor=actor)
    if client_ids is None:
        product_mapping.refresh_suggestions(organization)  # new invoice lines may reveal how a product is billed
    return {"run": run.pk, "summary": run.summary}


def reconcile_later(organization, trigger: str, *, client_ids: list[int] | None = None, actor=None) -> None:
    """Queue a reconciliation. The task row is written in the caller's transaction (database task
    backend), so the worker sees it only once the sync's or the mapping's rows are committed."""
    reconcile.enqueue(organization.pk, trigger, client_ids, actor.pk if actor is not None else None)


def reconcile_after_sync(run) -> None:
    """The engine's hook after each successful sync: a vendor or billing source changed, so the
    organization is reconciled again in the background (payments sources do not take part)."""
    from billingone.integrations import registry
    from billingone.integrations.base import Side

    provider = registry.PROVIDERS.get(run.provider)
    if provider is None or provider.side in (Side.VENDOR, Side.BILLING):
        reconcile_later(run.organization, f"sync:{run.provider}")
