"""Every built provider, in the order the Integrations page lists them: one line each."""

from __future__ import annotations

from django.http import Http404

from billingone.integrations.base import Provider
from billingone.integrations.providers.pax8.provider import Pax8
from billingone.integrations.providers.quickbooks.provider import QuickBooks
from billingone.integrations.providers.stripe.provider import Stripe
from billingone.integrations.providers.superops.provider import SuperOps
from billingone.integrations.providers.synergy.provider import SynergyWholesale
from billingone.integrations.providers.xero.provider import Xero

PROVIDERS: dict[str, type[Provider]] = {
    Pax8.key: Pax8,
    Xero.key: Xero,
    QuickBooks.key: QuickBooks,
    Stripe.key: Stripe,
    SuperOps.key: SuperOps,
    SynergyWholesale.key: SynergyWholesale,
}


def get_provider(key: str) -> type[Provider]:
    """The provider class for `key`, or 404 (keys come from URLs)."""
    try:
        return PROVIDERS[key]
    except KeyError:
        raise Http404("No such integration") from None
