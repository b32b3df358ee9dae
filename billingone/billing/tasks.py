"""Background reconciliation (django.tasks on the django-tasks-db worker)."""

from __future__ import annotations

from django.db import transaction
from django.tasks import task

from billingone.orgs.models import Organization


@task
def reconcile(organization_id: int, trigger: str, client_ids: list[int] | None = None, actor_id: int | None = None):
    """Reconcile one organization (or some of its clients) away from the request or the sync."""
    from billingone.accounts.models import User
    from billingone.billing.reconciliation import reconcile_organization

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {"skipped": "organization gone"}
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run = reconcile_organization(organization, trigger, client_ids=client_ids, actor=actor)
    return {"run": run.pk, "summary": run.summary}


def reconcile_later(organization, trigger: str, *, client_ids: list[int] | None = None, actor=None) -> None:
    """Queue a reconciliation once the current transaction commits (the sync's rows are visible)."""
    actor_id = actor.pk if actor is not None else None
    transaction.on_commit(lambda: reconcile.enqueue(organization.pk, trigger, client_ids, actor_id))
