"""Stripe (payments): payment links, what they charge and how often they were paid. Read-only.

Auth: a restricted key (`rk_…`, Read on Payment Links and Checkout Sessions) or a secret key,
sent as a Bearer token with the API version pinned. A connection is live unless its
organization is a sandbox (STRIPE_TEST_MODE_ORGS, or the connection's "mode" config): a
test-mode key in a live organization, or a live key in a sandbox, is refused by name.
Fetch: the completed checkout sessions (paid count and last paid per link), then every payment
link (`limit=100` pages, line items expanded in the same call), then Complete.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings

from billingone.integrations.base import (
    ConfigurationInvalid,
    CredentialField,
    Progress,
    Provider,
    RateLimit,
    Side,
    SyncMode,
)
from billingone.integrations.providers.stripe.client import NotFound, StripeApi, key_mode, rate_limit
from billingone.integrations.providers.stripe.mapping import Paid, link_record
from billingone.integrations.records import Batch, Complete, Kind, PaymentLinkRecord, Yielded

MODES = ("live", "test")
LINK_ID = re.compile(r"^plink_[A-Za-z0-9]{1,120}$")


class Stripe(Provider):
    key = "stripe"
    name = "Stripe"
    side = Side.PAYMENTS
    description = "Payments: the payment links you send clients, and which were paid."
    syncs = "payment links, line items, completed payments"
    credential_fields = (
        CredentialField(
            "api_key",
            "Restricted or secret key",
            secret=True,
            help_text="Stripe → Developers → API keys. Best: a restricted key (rk_…) with Read on Payment Links "
            "and Checkout Sessions.",
            max_length=255,
        ),
        CredentialField(
            "webhook_secret",
            "Webhook signing secret",
            secret=True,
            required=False,
            help_text="Optional, for instant updates: in Stripe → Developers → Webhooks add the endpoint shown below "
            "for payment_link.created, payment_link.updated and checkout.session.completed; paste its whsec_… here.",
            max_length=255,
        ),
    )
    sync_modes = (SyncMode("full", "Refresh", "Reads every payment link and its completed payments."),)
    url_settings = ("STRIPE_API_URL",)
    sync_interval_setting = "STRIPE_SYNC_INTERVAL_MINUTES"
    default_sync_interval = timedelta(hours=1)
    data_url_name = "payment_links"
    webhook_url_name = "stripe_webhook"
    rate_limit = RateLimit(calls=25, period=1.0, concurrency=4)

    @classmethod
    def account_rate_limit(cls) -> RateLimit:
        return rate_limit()

    def __init__(self, context):
        super().__init__(context)
        self.api_key = context.credentials.get("api_key", "").strip()

    # ---- mode ------------------------------------------------------------------------------
    @property
    def account_mode(self) -> str:
        """The mode this organization's Stripe connection runs in: live unless a sandbox."""
        configured = (self.context.config or {}).get("mode")
        if configured in MODES:
            return configured
        return "test" if self.organization.slug in settings.STRIPE_TEST_MODE_ORGS else "live"

    def check_key(self) -> None:
        mode = key_mode(self.api_key)
        if not mode:
            raise ConfigurationInvalid(
                "This is not a Stripe secret or restricted key: it starts with sk_live_, rk_live_ "
                "(or sk_test_, rk_test_ for a sandbox). Publishable keys (pk_…) cannot read payment links.",
                field="api_key",
            )
        if mode != self.account_mode:
            raise ConfigurationInvalid(
                f"This is a {mode}-mode key, but this organization's Stripe connection is {self.account_mode}. "
                + (
                    "Use a live key (sk_live_… or rk_live_…) so BillingOne reads your real payment links."
                    if self.account_mode == "live"
                    else "This organization is a sandbox: use a test-mode key (sk_test_… or rk_test_…)."
                ),
                field="api_key",
            )

    # ---- the contract ---------------------------------------------------------------------
    def test_connection(self) -> None:
        self.check_key()
        api = StripeApi(self.api_key)
        try:
            api.get("/v1/payment_links", {"limit": "1"})
        finally:
            api.close()

    def fetch(self, mode: str, since: datetime | None, progress: Progress) -> Iterator[Yielded]:
        self.check_key()
        api = StripeApi(self.api_key)
        try:
            payments = self.payments(api)
            seen = 0
            for page in api.pages("/v1/payment_links", [("expand[]", "data.line_items")]):
                progress.check()
                records = [
                    link_record(link, self.line_items(api, link), payments.get(str(link.get("id")), Paid()))
                    for link in page["data"]
                ]
                seen += len(records)
                # Stripe lists carry no total: announce what is known plus a page while more
                # follow (the engine advances as it stores each batch).
                progress.set_total(seen + (len(records) if page["has_more"] else 0))
                if records:
                    yield Batch(tuple(records))
            progress.set_total(seen)
            yield Complete(Kind.PAYMENT_LINK)
        finally:
            api.close()

    @staticmethod
    def payments(api: StripeApi) -> dict[str, Paid]:
        """Completed checkouts per payment link, from one pass over the checkout sessions (100 a
        call: far fewer calls than asking link by link, and no 30-day horizon as with events)."""
        by_link: dict[str, list[dict]] = {}
        for page in api.pages("/v1/checkout/sessions"):
            for session in page["data"]:
                if isinstance(session, dict) and session.get("payment_link"):
                    by_link.setdefault(str(session["payment_link"]), []).append(session)
        return {link_id: Paid.from_sessions(sessions) for link_id, sessions in by_link.items()}

    @staticmethod
    def line_items(api: StripeApi, link: dict) -> list[dict]:
        included = link.get("line_items")
        if isinstance(included, dict) and isinstance(included.get("data"), list) and not included.get("has_more"):
            return included["data"]
        path = f"/v1/payment_links/{link['id']}/line_items"
        return [item for page in api.pages(path) for item in page["data"]]

    def refresh_link(self, link_id: str) -> PaymentLinkRecord | None:
        """One link as it is now (a webhook said it changed or was paid); None if Stripe has
        no such link. Absolute values, so applying the same event twice changes nothing."""
        if not LINK_ID.match(link_id):
            return None
        self.check_key()
        api = StripeApi(self.api_key)
        try:
            link = api.get(f"/v1/payment_links/{link_id}", [("expand[]", "line_items")])
            sessions = api.pages("/v1/checkout/sessions", [("payment_link", link_id)])
            paid = Paid.from_sessions([session for page in sessions for session in page["data"]])
            return link_record(link, self.line_items(api, link), paid)
        except NotFound:
            return None
        finally:
            api.close()
