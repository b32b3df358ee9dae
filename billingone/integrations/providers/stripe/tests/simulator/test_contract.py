"""The simulator's answers validate against Stripe's published schemas (contract/schemas.json,
extracted from stripe/openapi), and it enforces the contract's auth, limits and faults."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import jsonschema
import pytest

from billingone.integrations.providers.stripe.simulator.keys import DEMO_LIVE_KEY, DEMO_RESTRICTED_KEY, DEMO_SECRET_KEY

SCHEMAS = json.loads((Path(__file__).parents[2] / "contract" / "schemas.json").read_text())


def api(sim, key: str = DEMO_RESTRICTED_KEY, **options) -> httpx.Client:
    return httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {key}"}, timeout=10, **options)


def validate(instance: dict, schema_name: str) -> None:
    jsonschema.validate(instance, SCHEMAS[schema_name])


@pytest.mark.parametrize(
    ("path", "list_name", "object_schema"),
    [
        ("/v1/payment_links?limit=100", "payment_links", "payment_link"),
        ("/v1/checkout/sessions?limit=100", "checkout_sessions", "checkout.session"),
        ("/v1/events?limit=100", "events", "event"),
    ],
)
def test_lists_match_the_published_schemas(stripe_sim, path, list_name, object_schema):
    with api(stripe_sim) as client:
        body = client.get(path).json()
    jsonschema.validate(body, SCHEMAS["lists"][list_name])
    assert body["data"]
    for obj in body["data"]:
        validate(obj, object_schema)


def test_line_items_match_the_item_and_price_schemas(stripe_sim):
    link_id = stripe_sim.data(False).links[3]["id"]
    with api(stripe_sim) as client:
        body = client.get(f"/v1/payment_links/{link_id}/line_items").json()
    jsonschema.validate(body, SCHEMAS["lists"]["payment_link_line_items"])
    for item in body["data"]:
        validate(item, "item")
        validate(item["price"], "price")


def test_errors_use_the_published_envelope(stripe_sim):
    with api(stripe_sim, "sk_test_unknown000000000000") as client:
        unauthorised = client.get("/v1/payment_links")
    with api(stripe_sim) as client:
        missing = client.get("/v1/payment_links/plink_nope")
        too_many = client.get("/v1/payment_links?limit=101")
        both = client.get("/v1/payment_links?starting_after=a&ending_before=b")
    for answer, status in ((unauthorised, 401), (missing, 404), (too_many, 400), (both, 400)):
        assert answer.status_code == status
        validate(answer.json(), "error")
        validate(answer.json()["error"], "api_errors")
        assert answer.headers["Request-Id"].startswith("req_")
    assert too_many.json()["error"]["param"] == "limit"


def test_basic_auth_with_the_key_as_user_name(stripe_sim):
    with httpx.Client(base_url=stripe_sim.url, auth=(DEMO_RESTRICTED_KEY, ""), timeout=10) as client:
        assert client.get("/v1/payment_links?limit=1").status_code == 200
    with httpx.Client(base_url=stripe_sim.url, auth=("rk_test_wrong", ""), timeout=10) as client:
        assert client.get("/v1/payment_links?limit=1").status_code == 401


def test_missing_key_and_bad_version(stripe_sim):
    with httpx.Client(base_url=stripe_sim.url, timeout=10) as client:
        answer = client.get("/v1/payment_links")
    assert answer.status_code == 401 and "did not provide an API key" in answer.json()["error"]["message"]
    with api(stripe_sim) as client:
        pinned = client.get("/v1/payment_links?limit=1", headers={"Stripe-Version": "2023-08-16"})
        garbled = client.get("/v1/payment_links?limit=1", headers={"Stripe-Version": "yesterday"})
    assert pinned.headers["Stripe-Version"] == "2023-08-16"
    assert garbled.status_code == 400


def burst(sim, key: str, path: str, count: int) -> list[int]:
    with api(sim, key, limits=httpx.Limits(max_connections=count)) as client, ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: client.get(path).status_code, range(count)))


def test_sandbox_rate_limit_answers_429_rate_limit(stripe_sim):
    stripe_sim.limits.clock = lambda: 1000.0  # every call of the burst lands in the same second
    statuses = burst(stripe_sim, DEMO_RESTRICTED_KEY, "/v1/payment_links?limit=1", 40)
    assert (statuses.count(200), statuses.count(429)) == (25, 15)
    stripe_sim.limits.clock = lambda: 1001.5
    assert burst(stripe_sim, DEMO_LIVE_KEY, "/v1/payment_links?limit=1", 30).count(429) == 5  # per endpoint: 25
    with api(stripe_sim) as client:
        assert client.get("/v1/payment_links?limit=1").status_code == 200  # a new second for test mode
    stripe_sim.limits.enabled = False
    assert burst(stripe_sim, DEMO_RESTRICTED_KEY, "/v1/payment_links?limit=1", 30).count(429) == 0


def test_rate_limit_error_body(stripe_sim):
    stripe_sim.limits.endpoint_limit = 1
    with api(stripe_sim) as client:
        client.get("/v1/payment_links?limit=1")
        answer = client.get("/v1/payment_links?limit=1")
        other_endpoint = client.get("/v1/events?limit=1")
    assert answer.status_code == 429 and answer.json()["error"]["code"] == "rate_limit"
    assert other_endpoint.status_code == 200  # the per-endpoint budget is per endpoint


@pytest.mark.parametrize(("kind", "status", "code"), [("5xx", 503, None), ("429", 429, "rate_limit")])
def test_injected_faults_in_stripes_words(stripe_sim, kind, status, code):
    stripe_sim.faults.add(kind, path="/v1/payment_links", after=1)
    with api(stripe_sim) as client:
        assert client.get("/v1/payment_links?limit=1").status_code == 200
        answer = client.get("/v1/payment_links?limit=1")
        assert client.get("/v1/payment_links?limit=1").status_code == 200
    assert answer.status_code == status and answer.json()["error"].get("code") == code
    validate(answer.json(), "error")


def test_token_expiry_rolls_the_key(stripe_sim):
    stripe_sim.faults.add("token_expiry", path="/v1/")
    with api(stripe_sim, DEMO_SECRET_KEY) as client:
        expired = client.get("/v1/payment_links?limit=1")
        later = client.get("/v1/payment_links?limit=1")
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "api_key_expired"
    assert later.status_code == 401  # a rolled key stays refused
    with api(stripe_sim) as client:
        assert client.get("/v1/payment_links?limit=1").status_code == 200  # other keys still work


def test_malformed_fault_and_control_endpoint(stripe_sim):
    with httpx.Client(base_url=stripe_sim.url, timeout=10) as control:
        assert control.post("/_sim/faults", json={"kind": "malformed", "path": "/v1/events"}).status_code == 201
        assert control.post("/_sim/faults", json={"kind": "explode"}).status_code == 400
        assert control.get("/_sim/faults").json()["pending"][0]["kind"] == "malformed"
    with api(stripe_sim) as client, pytest.raises(json.JSONDecodeError):
        client.get("/v1/events").json()


def test_pay_page_completes_a_checkout(stripe_sim):
    link = next(link for link in stripe_sim.data(False).links if link["active"] and not link["restrictions"])
    code = link["url"].rsplit("/", 1)[-1]
    before = len(stripe_sim.data(False).sessions)
    with httpx.Client(base_url=stripe_sim.url, timeout=10) as browser:
        assert link["metadata"]["client"].split()[0] in browser.get(f"/pay/{code}").text
        assert "payment received" in browser.post(f"/pay/{code}").text
    assert len(stripe_sim.data(False).sessions) == before + 1
    with api(stripe_sim, DEMO_SECRET_KEY) as client:
        events = client.get("/v1/events", params={"type": "checkout.session.completed", "limit": 1}).json()
    assert events["data"][0]["data"]["object"]["payment_link"] == link["id"]
