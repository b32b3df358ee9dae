"""Template context for the layout: current organization, switcher, top bar, sidebar, brand colours."""

from __future__ import annotations

from billingone.orgs.branding import css_variables
from billingone.orgs.models import Membership
from billingone.orgs.navigation import ACCOUNT_PAGE_SECTIONS, visible_pages, visible_sections


def organization(request) -> dict:
    context: dict = {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    context["user_memberships"] = lambda: list(
        Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")
    )
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", None)
    membership = getattr(request, "membership", None)
    if membership is None and url_name in ACCOUNT_PAGE_SECTIONS:
        membership = _last_membership(user)
        context["section"] = ACCOUNT_PAGE_SECTIONS[url_name]
    if membership is not None:
        current = membership.organization
        context.update(
            current_org=current,
            current_membership=membership,
            main_pages=visible_pages(current, membership.role, url_name),
            settings_sections=visible_sections(current, membership.role),
            brand_variables=css_variables(current),
        )
    return context


def _last_membership(user) -> Membership | None:
    """The membership of the organization used last, else the first by name."""
    memberships = Membership.objects.filter(user=user).select_related("organization")
    if user.last_organization_id:
        last = memberships.filter(organization_id=user.last_organization_id).first()
        if last is not None:
            return last
    return memberships.order_by("organization__name").first()
