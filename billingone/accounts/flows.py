"""Account flows shared by the web pages and the API."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from billingone.accounts.models import User
from billingone.audit.log import diff, record


@transaction.atomic
def update_profile(user: User, *, name: str, request: HttpRequest | None = None) -> User:
    # Read the stored value: a bound ModelForm has already copied the new one onto `user`.
    before = User.objects.filter(pk=user.pk).values("name").get()
    user.name = name.strip()
    user.full_clean(validate_unique=False)
    user.save(update_fields=["name"])
    changes = diff(before, {"name": user.name})
    if changes:
        record(
            "user.profile_update",
            organization=getattr(request, "organization", None),
            request=request,
            actor=user,
            target=user,
            changes=changes,
        )
    return user
