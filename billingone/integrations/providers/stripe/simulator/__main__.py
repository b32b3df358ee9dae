"""python -m billingone.integrations.providers.stripe.simulator --host 127.0.0.1 --port 8705
[--links N] [--companies 24] [--seed 1] [--webhook-url URL --webhook-secret whsec_…]"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY, DEMO_SECRET_KEY
from billingone.integrations.providers.stripe.simulator.sim import StripeSimulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8705)
    parser.add_argument("--links", type=int, default=None, help="payment links per mode (default: 1–3 per client)")
    # The Pax8 simulator's default: 600 subscriptions → 24 companies, from the same seed.
    parser.add_argument("--companies", type=int, default=int(os.environ.get("STRIPE_SIM_COMPANIES", "24")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PAX8_SIM_SEED", "1")))
    parser.add_argument("--webhook-url", default=os.environ.get("STRIPE_SIM_WEBHOOK_URL", ""))
    parser.add_argument("--webhook-secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET", ""))
    parser.add_argument("--no-rate-limit", action="store_true")
    args = parser.parse_args()
    sim = StripeSimulator(seed=args.seed, companies=args.companies, links=args.links and min(args.links, 50_000))
    sim.limits.enabled = not args.no_rate_limit
    sim.start(args.host, args.port)
    if args.webhook_url:
        sim.webhooks.add_endpoint(args.webhook_url, args.webhook_secret)
    print(f"Stripe simulator on {sim.url} (keys {DEMO_RESTRICTED_KEY}, {DEMO_SECRET_KEY})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sim.stop()


if __name__ == "__main__":
    main()
