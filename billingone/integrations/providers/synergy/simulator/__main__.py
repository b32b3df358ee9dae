"""python -m billingone.integrations.providers.synergy.simulator --host 127.0.0.1 --port 8706
[--companies 24] [--seed 1] [--filler N]"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import threading

from billingone.integrations.providers.synergy.simulator.server import (
    DEMO_API_KEY,
    DEMO_RESELLER_ID,
    SynergySimulator,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8706)
    # The Pax8 simulator's default: 600 subscriptions → 24 companies, from the same seed.
    parser.add_argument("--companies", type=int, default=int(os.environ.get("SYNERGY_SIM_COMPANIES", "24")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PAX8_SIM_SEED", "1")))
    parser.add_argument("--filler", type=int, default=0, help="extra unowned domains (paging)")
    args = parser.parse_args()
    sim = SynergySimulator(seed=args.seed, companies=args.companies, filler=min(args.filler, 100_000))
    sim.start(args.host, args.port)
    print(f"Synergy Wholesale simulator on {sim.url} (reseller {DEMO_RESELLER_ID}, key {DEMO_API_KEY})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sim.stop()


if __name__ == "__main__":
    main()
