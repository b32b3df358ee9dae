"""Background work of the organization area."""

from __future__ import annotations

from django.tasks import task

from billingone.orgs.models import Invitation
from billingone.orgs.team import send_invitation


@task
def send_invitation_emails(invitation_ids: list[int]) -> int:
    """Email the invitations of a bulk import; each gets its own fresh token here, so no raw
    token ever sits in the task queue."""
    sent = 0
    for invitation in (
        Invitation.objects.pending()
        .filter(pk__in=invitation_ids, sent_at__isnull=True)
        .select_related("organization", "invited_by")
    ):
        send_invitation(invitation)
        sent += 1
    return sent
