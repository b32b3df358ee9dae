"""A Xero simulator: a real HTTP server speaking Xero's OAuth2 (with PKCE), /connections and the
accounting API's Contacts and Invoices (PROVIDERS.md §2, specs/xero/). Run it with
`python -m billingone.integrations.providers.xero.simulator --host 127.0.0.1 --port 8702`; tests start it in-process."""

from billingone.integrations.providers.xero.simulator.sim import XeroSimulator

__all__ = ["XeroSimulator"]
