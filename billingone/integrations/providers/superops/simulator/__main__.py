"""python -m billingone.integrations.providers.superops.simulator --host 127.0.0.1 --port 8707 [--eu-port 8708]
[--invoices N] [--companies N] [--seed S] [--per-minute 800] [--latency s]"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from billingone.integrations.providers.superops.simulator.server import (
    DEMO_EU_SUBDOMAIN,
    DEMO_SUBDOMAIN,
    SuperOpsSimulator,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8707, help="the US host (api.superops.ai)")
    parser.add_argument("--eu-port", type=int, default=0, help="the EU host (euapi.superops.ai); default port + 1")
    parser.add_argument("--invoices", type=int, default=int(os.environ.get("SUPEROPS_SIM_INVOICES", "300")))
    # The Pax8 simulator's default world: 24 companies from the same seed.
    parser.add_argument("--companies", type=int, default=int(os.environ.get("SUPEROPS_SIM_COMPANIES", "24")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PAX8_SIM_SEED", "1")))
    parser.add_argument("--per-minute", type=int, default=800)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API answer")
    args = parser.parse_args()
    sim = SuperOpsSimulator(
        invoices=min(args.invoices, 100_000),
        companies=args.companies,
        seed=args.seed,
        per_minute=args.per_minute,
        latency=args.latency,
    )
    sim.start(args.host, args.port, args.eu_port or args.port + 1)
    print(
        f"SuperOps simulator: US {sim.api_url} (subdomain {DEMO_SUBDOMAIN}), "
        f"EU {sim.eu_api_url} (subdomain {DEMO_EU_SUBDOMAIN})",
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sim.stop()


if __name__ == "__main__":
    main()
