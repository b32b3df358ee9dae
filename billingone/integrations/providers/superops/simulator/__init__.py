"""A SuperOps simulator: the MSP GraphQL API (clients, invoices) on a US and an EU listener,
queries validated against the repository's reconstructed subset (../contract/), per
PROVIDERS.md §4. Run it with
`python -m billingone.integrations.providers.superops.simulator --host 127.0.0.1 --port 8707`;
tests start it in-process."""

from billingone.integrations.providers.superops.simulator.server import SuperOpsSimulator

__all__ = ["SuperOpsSimulator"]
