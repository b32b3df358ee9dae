"""Template context for the layout: current organization, switcher, sidebar, brand colours."""

from __future__ import annotations

from billingone.orgs.branding import css_variables
from billingone.orgs.models import Membership
from billingone.orgs.navigation import visible_sections


def organization(request) -> dict:
    context: dict = {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    current = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    context["user_memberships"] = lambda: list(
        Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")
    )
    if current is not None and membership is not None:
        context.update(
            current_org=current,
            current_membership=membership,
            settings_sections=visible_sections(current, membership.role),
            brand_variables=css_variables(current),
        )
    return context
