"""python -m billingone.integrations.providers.xero.simulator --host 127.0.0.1 --port 8702 [--invoices N]"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from billingone.integrations.providers.xero.simulator.sim import XeroSimulator

DEV_CLIENT_ID = "billingone-dev"
DEV_CLIENT_SECRET = "billingone-dev-secret"  # the simulator's own published dev secret


def site_url() -> str:
    return (os.environ.get("SITE_URL") or f"http://localhost:{os.environ.get('PORT', '8000')}").rstrip("/")


def default_redirect_uris() -> list[str]:
    site = site_url()
    uris = {os.environ.get("XERO_REDIRECT_URI") or f"{site}/oauth/xero/callback/"}
    uris.add(next(iter(uris)).replace("://localhost", "://127.0.0.1"))
    return sorted(uris)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--invoices", type=int, default=int(os.environ.get("XERO_SIM_INVOICES", "1500")))
    # The Pax8 simulator's default: 600 subscriptions → 24 companies, from the same seed.
    parser.add_argument("--companies", type=int, default=int(os.environ.get("XERO_SIM_COMPANIES", "24")))
    parser.add_argument("--tenants", type=int, default=2)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PAX8_SIM_SEED", "1")))
    parser.add_argument("--auto-approve", action="store_true", help="Skip the consent page (tests).")
    parser.add_argument("--per-minute", type=int, default=60)
    parser.add_argument("--per-day", type=int, default=5000)
    parser.add_argument("--client", action="append", default=[], help="id:secret registers another app")
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--webhook-url", default=os.environ.get("XERO_SIM_WEBHOOK_URL", ""))
    parser.add_argument("--webhook-key", default=os.environ.get("XERO_WEBHOOK_KEY", ""))
    args = parser.parse_args()
    sim = XeroSimulator(
        invoices=min(args.invoices, 100_000),
        companies=args.companies,
        seed=args.seed,
        tenants=args.tenants,
        auto_approve=args.auto_approve,
        per_minute=args.per_minute,
        per_day=args.per_day,
    )
    uris = args.redirect_uri or default_redirect_uris()
    sim.identity.register_client(DEV_CLIENT_ID, DEV_CLIENT_SECRET, uris)
    for entry in args.client:
        client_id, _, secret = entry.partition(":")
        sim.identity.register_client(client_id, secret or None, uris)
    sim.start(args.host, args.port)
    if args.webhook_key:  # deliveries start with the next change
        sim.webhooks.configure(args.webhook_url or f"{site_url()}/webhooks/xero/", args.webhook_key)
    print(f"Xero simulator on {sim.url} (client {DEV_CLIENT_ID}, redirect {', '.join(uris)})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sim.stop()


if __name__ == "__main__":
    main()
