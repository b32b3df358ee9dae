"""python -m billingone.integrations.providers.quickbooks.simulator --host 127.0.0.1 --port 8703 [--invoices N]"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from billingone.integrations.providers.quickbooks.simulator.sim import QuickBooksSimulator

DEV_CLIENT_ID = "billingone-dev-qbo"
DEV_CLIENT_SECRET = "billingone-dev-qbo-secret"  # the simulator's own published dev app, never a real one


def default_redirect_uris() -> list[str]:
    site = (os.environ.get("SITE_URL") or f"http://localhost:{os.environ.get('PORT', '8000')}").rstrip("/")
    first = os.environ.get("QUICKBOOKS_REDIRECT_URI") or f"{site}/oauth/quickbooks/callback/"
    return sorted({first, first.replace("://localhost", "://127.0.0.1")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8703)
    parser.add_argument("--invoices", type=int, default=int(os.environ.get("QUICKBOOKS_SIM_INVOICES", "1200")))
    # The Pax8 simulator's default world: 24 companies from the same seed.
    parser.add_argument("--companies", type=int, default=int(os.environ.get("QUICKBOOKS_SIM_COMPANIES", "24")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PAX8_SIM_SEED", "1")))
    parser.add_argument("--realms", type=int, default=2)
    parser.add_argument("--per-minute", type=int, default=500)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--showcase", action="store_true", help="Leave the demo story's clients to Xero.")
    parser.add_argument("--auto-approve", action="store_true", help="Skip the consent page (the first company).")
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--webhook-url", default=os.environ.get("QUICKBOOKS_SIM_WEBHOOK_URL", ""))
    parser.add_argument("--webhook-token", default=os.environ.get("QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN", ""))
    args = parser.parse_args()
    sim = QuickBooksSimulator(
        invoices=min(args.invoices, 200_000),
        companies=args.companies,
        seed=args.seed,
        realms=args.realms,
        auto_approve=args.auto_approve,
        per_minute=args.per_minute,
        concurrent=args.concurrent,
        showcase=args.showcase,
    )
    uris = args.redirect_uri or default_redirect_uris()
    sim.identity.register_app(DEV_CLIENT_ID, DEV_CLIENT_SECRET, uris)
    if args.webhook_token:  # changes are delivered, signed, to the dev server's receiver
        site = (os.environ.get("SITE_URL") or f"http://localhost:{os.environ.get('PORT', '8000')}").rstrip("/")
        sim.webhooks.configure(args.webhook_url or f"{site}/webhooks/quickbooks/", args.webhook_token)
    sim.start(args.host, args.port)
    print(f"QuickBooks simulator on {sim.url} (app {DEV_CLIENT_ID}, redirect {', '.join(uris)})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sim.stop()


if __name__ == "__main__":
    main()
