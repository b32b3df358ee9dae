"""A QuickBooks Online simulator: a real HTTP server speaking Intuit's OAuth2 (discovery
document, consent with company choice, rotating refresh tokens, revoke) and the accounting API
(query language, Change Data Capture, invoice writes, Faults, throttles, webhooks), per
PROVIDERS.md §3. Run it with
`python -m billingone.integrations.providers.quickbooks.simulator --host 127.0.0.1 --port 8703`;
tests start it in-process."""

from billingone.integrations.providers.quickbooks.simulator.sim import QuickBooksSimulator

__all__ = ["QuickBooksSimulator"]
