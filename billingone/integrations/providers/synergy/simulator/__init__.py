"""A Synergy Wholesale simulator: a real SOAP 1.1 server for the commands BillingOne calls
(server.py), over a deterministic reseller account (data.py). Run it with
`python -m billingone.integrations.providers.synergy.simulator --host 127.0.0.1 --port 8706`;
tests start it in-process."""

from billingone.integrations.providers.synergy.simulator.server import (
    DEMO_API_KEY,
    DEMO_RESELLER_ID,
    ELSEWHERE_API_KEY,
    ELSEWHERE_RESELLER_ID,
    SynergySimulator,
)

__all__ = ["DEMO_API_KEY", "DEMO_RESELLER_ID", "ELSEWHERE_API_KEY", "ELSEWHERE_RESELLER_ID", "SynergySimulator"]
