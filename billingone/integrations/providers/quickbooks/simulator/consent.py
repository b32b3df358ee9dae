"""The consent page walked headlessly: what a person does there (choose a company, press
Connect), as HTTP requests. For the demo seed and tests; only the simulator has this page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx


def approve(authorize_url: str, realm_id: str | None = None) -> dict[str, str]:
    """Open `authorize_url` (the simulator's consent page), choose the company (the first when
    None) and connect: the parameters the redirect carries back (code, realmId, state)."""
    page = httpx.get(authorize_url, timeout=10)
    page.raise_for_status()
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorize_url).query).items()}
    parts = urlsplit(authorize_url)
    state = httpx.get(f"{parts.scheme}://{parts.netloc}/_sim/state", timeout=10).json()
    chosen = realm_id or state["companies"][0]["realmId"]
    answer = httpx.post(
        f"{parts.scheme}://{parts.netloc}/connect/oauth2/consent",
        data={**params, "realm": chosen, "decision": "allow"},
        timeout=10,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"the consent page refused: HTTP {answer.status_code}")
    return {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
