"""Provider simulators: real HTTP servers speaking each provider's public contract.

Tests, the demo and the benchmarks talk to these over sockets. A simulator that `make run`
should start for the demo adds one DevSimulator line to DEV_SIMULATORS below; the dev runner
(`manage.py rundev`) starts it, waits for its port, and passes `env` to the web server, the
worker and the demo seed so the demo organization is wired to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DevSimulator:
    name: str
    module: str  # run as `python -m <module> --host 127.0.0.1 --port <port>`
    port: int
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()


# One line per provider simulator the demo uses (ports 8701+). SIMULATOR_HOST_<NAME> marks the
# simulator's host:port as the one private address a provider client may call (lib/http.py).
DEV_SIMULATORS: list[DevSimulator] = [
    DevSimulator(
        "pax8",
        "billingone.integrations.providers.pax8.simulator.server",
        8701,
        env={
            "PAX8_API_URL": "http://127.0.0.1:8701/v1",
            "PAX8_TOKEN_URL": "http://127.0.0.1:8701/oauth/token",
            "SIMULATOR_HOST_PAX8": "127.0.0.1:8701",
            "DEMO_RECONCILED": "true",  # the seed leaves the demo reconciled (billingone/billing/demo.py)
        },
        args=("--showcase",),  # the demo's reconciliation story (simulators/dataset.py SHOWCASE)
    ),
    DevSimulator(
        "xero",
        "billingone.integrations.providers.xero.simulator",
        8702,
        env={
            "XERO_AUTHORIZE_URL": "http://127.0.0.1:8702/identity/connect/authorize",
            "XERO_TOKEN_URL": "http://127.0.0.1:8702/connect/token",
            "XERO_REVOKE_URL": "http://127.0.0.1:8702/connect/revocation",
            "XERO_API_URL": "http://127.0.0.1:8702",
            "XERO_WEB_URL": "http://127.0.0.1:8702",
            # The simulator's own published dev app (simulators/xero/__main__.py), never a real one.
            "XERO_CLIENT_ID": "billingone-dev",
            "XERO_CLIENT_SECRET": "billingone-dev-secret",
            "SIMULATOR_HOST_XERO": "127.0.0.1:8702",
            "XERO_WEBHOOK_KEY": "billingone-dev-webhook-key",
        },
        # Changes made in the simulator (/_sim/mutate) reach the demo as signed webhooks.
        args=("--webhook-key", "billingone-dev-webhook-key", "--showcase"),
    ),
    DevSimulator(
        "stripe",
        "billingone.integrations.providers.stripe.simulator",
        8705,
        env={
            "STRIPE_API_URL": "http://127.0.0.1:8705",
            "STRIPE_TEST_MODE_ORGS": "demo",  # the demo organization is a sandbox: test-mode keys
            "SIMULATOR_HOST_STRIPE": "127.0.0.1:8705",
        },
    ),
    DevSimulator(
        "quickbooks",
        "billingone.integrations.providers.quickbooks.simulator",
        8703,
        env={
            # What the simulator's discovery document names (providers/quickbooks/simulator/discovery.py).
            "QUICKBOOKS_DISCOVERY_URL": "http://127.0.0.1:8703/.well-known/openid_configuration",
            "QUICKBOOKS_AUTHORIZE_URL": "http://127.0.0.1:8703/connect/oauth2",
            "QUICKBOOKS_TOKEN_URL": "http://127.0.0.1:8703/oauth2/v1/tokens/bearer",
            "QUICKBOOKS_REVOKE_URL": "http://127.0.0.1:8703/v2/oauth2/tokens/revoke",
            "QUICKBOOKS_API_URL": "http://127.0.0.1:8703",
            "QUICKBOOKS_APP_URL": "http://127.0.0.1:8703",
            # The simulator's own published dev app (quickbooks/simulator/__main__.py), never a real one.
            "QUICKBOOKS_CLIENT_ID": "billingone-dev-qbo",
            "QUICKBOOKS_CLIENT_SECRET": "billingone-dev-qbo-secret",
            "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN": "billingone-dev-qbo-verifier",
            "SIMULATOR_HOST_QUICKBOOKS": "127.0.0.1:8703",
        },
        # Changes made in the simulator (/_sim/mutate, invoice writes) reach the demo as signed webhooks.
        # --showcase: the demo story's clients are billed in Xero only (simulators/dataset.py SHOWCASE).
        args=("--webhook-token", "billingone-dev-qbo-verifier", "--showcase"),
    ),
    DevSimulator(
        "superops",
        "billingone.integrations.providers.superops.simulator",
        8707,
        env={
            "SUPEROPS_API_URL": "http://127.0.0.1:8707/msp",  # the US host
            "SUPEROPS_EU_API_URL": "http://127.0.0.1:8708/msp",  # the EU host (--eu-port)
            "SIMULATOR_HOST_SUPEROPS": "127.0.0.1:8707",
            "SIMULATOR_HOST_SUPEROPS_EU": "127.0.0.1:8708",
        },
        args=("--eu-port", "8708"),
    ),
    DevSimulator(
        "synergy",
        "billingone.integrations.providers.synergy.simulator",
        8706,
        env={
            "SYNERGY_API_URL": "http://127.0.0.1:8706",
            "SIMULATOR_HOST_SYNERGY": "127.0.0.1:8706",
        },
    ),
    # Push notifications: APNs over HTTP/2; the demo owner's "iPhone" receives here.
    DevSimulator(
        "apns",
        "simulators.apns",
        8790,
        env={
            "APNS_HOST": "127.0.0.1",
            "APNS_PORT": "8790",
            "APNS_TEAM_ID": "TEAM123456",
            "APNS_KEY_ID": "KEY1234567",
            "APNS_TOPIC": "dev.billingone.mobile",
            "APNS_PRIVATE_KEY_FILE": "var/apns-sim/AuthKey.p8",
            "PUSH_CA_FILE": "var/apns-sim/apns.crt",
        },
    ),
]
