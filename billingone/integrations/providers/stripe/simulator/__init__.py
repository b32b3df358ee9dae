"""A Stripe simulator: a real HTTP server speaking Stripe's API for payment links (PROVIDERS.md
§5, contract/): list/retrieve/line items with cursor pagination, checkout sessions, events,
restricted keys, rate limits, signed webhooks. Run it with
`python -m billingone.integrations.providers.stripe.simulator --host 127.0.0.1 --port 8705`;
tests start it in-process."""

from billingone.integrations.providers.stripe.simulator.sim import StripeSimulator

__all__ = ["StripeSimulator"]
