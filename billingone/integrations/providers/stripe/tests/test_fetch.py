"""fetch("full"): every payment link as a PaymentLinkRecord (line items, amounts, paid count and
last paid from completed checkout sessions), page by page, then Complete; within Stripe's limits."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from billingone.integrations.base import NullProgress, PermissionMissing, ProviderContext
from billingone.integrations.providers.stripe.provider import Stripe
from billingone.integrations.providers.stripe.simulator.keys import DEMO_RESTRICTED_KEY
from billingone.integrations.providers.stripe.testing import running_stripe
from billingone.integrations.records import Batch, Complete, Kind, PaymentLinkRecord
from simulators.dataset import clients


def fetch_all(organization, key: str = DEMO_RESTRICTED_KEY) -> tuple[list, NullProgress]:
    progress = NullProgress()
    provider = Stripe(ProviderContext(organization=organization, credentials={"api_key": key}))
    return list(provider.fetch("full", None, progress)), progress


def records_of(yielded: list) -> list[PaymentLinkRecord]:
    return [record for item in yielded if isinstance(item, Batch) for record in item.records]


def test_fetch_yields_every_link_with_lines_and_payments(stripe_sim, personas):
    yielded, progress = fetch_all(personas.org_a)
    assert yielded[-1] == Complete(Kind.PAYMENT_LINK)
    records = {record.external_id: record for record in records_of(yielded)}
    data = stripe_sim.data(False)
    assert set(records) == {link["id"] for link in data.links}
    assert progress.total == len(data.links)
    for link in data.links:
        record = records[link["id"]]
        items = data.line_items[link["id"]]
        completed = [s for s in data.sessions if s["payment_link"] == link["id"] and s["status"] == "complete"]
        assert record.active == link["active"] and record.url == link["url"]
        assert record.currency == link["currency"].upper()
        assert record.amount == Decimal(sum(item["amount_total"] for item in items)) / 100
        assert [line.quantity for line in record.lines] == [Decimal(item["quantity"]) for item in items]
        assert record.paid_count == len(completed)
        if completed:
            assert int(record.last_paid_at.timestamp()) == max(s["created"] for s in completed)
        assert record.client_name == link["metadata"]["client"]
        assert record.description.startswith(link["metadata"]["invoice"] + " · ")
    assert {r.client_name for r in records.values()} == {c.name for c in clients(1, 12)}
    assert any(r.paid_count > 1 for r in records.values()) and any(not r.active for r in records.values())


def test_many_pages_within_stripe_limits_and_no_429(settings, personas):
    with running_stripe(settings, personas.org_a.slug, links=230) as sim:
        yielded, _ = fetch_all(personas.org_a)
        list_calls = [r for r in sim.requests if r["path"].startswith("/v1/payment_links?")]
        session_pages = -(-len(sim.data(False).sessions) // 100)
    records = records_of(yielded)
    assert len(records) == len({r.external_id for r in records}) == 230
    assert [len(item.records) for item in yielded if isinstance(item, Batch)] == [100, 100, 30]
    assert len(list_calls) == 3 and all("limit=100" in r["path"] for r in list_calls)
    assert "expand%5B%5D=data.line_items" in list_calls[0]["path"]
    assert len(sim.requests) == 3 + session_pages  # no call per link
    assert sim.limits.stats["rate_limited"] == 0


def test_many_calls_stay_under_stripes_per_second_budget(settings, personas):
    with running_stripe(settings, personas.org_a.slug, links=70) as sim:
        data = sim.data(False)
        for link in data.links:  # 12 items each: one more call per link for the rest of its items
            template = data.line_items[link["id"]][0]
            data.line_items[link["id"]] = [{**copy.deepcopy(template), "id": f"li_{n}"} for n in range(12)]
        records = records_of(fetch_all(personas.org_a)[0])
    assert len(records) == 70 and all(len(record.lines) == 12 for record in records)
    assert len(sim.requests) > 2 * 25  # well past one second's budget
    assert sim.limits.stats["rate_limited"] == 0
    assert sim.limits.busiest_second <= 25


def test_line_items_past_the_expanded_ten_are_fetched(stripe_sim, personas):
    data = stripe_sim.data(False)
    link_id = data.links[0]["id"]
    template = data.line_items[link_id][0]
    data.line_items[link_id] = [{**copy.deepcopy(template), "id": f"li_extra{n}"} for n in range(13)]
    records = {r.external_id: r for r in records_of(fetch_all(personas.org_a)[0])}
    assert len(records[link_id].lines) == 13
    assert any(f"/v1/payment_links/{link_id}/line_items" in r["path"] for r in stripe_sim.requests)


def test_transient_faults_are_retried_within_the_call(stripe_sim, personas):
    stripe_sim.faults.add("429", path="/v1/checkout/sessions")  # each fault fires once, in turn
    stripe_sim.faults.add("malformed", path="/v1/checkout/sessions")
    stripe_sim.faults.add("5xx", path="/v1/payment_links", status=503)
    records = records_of(fetch_all(personas.org_a)[0])
    assert len(records) == len(stripe_sim.data(False).links)
    assert stripe_sim.faults.fired == {"5xx": 1, "malformed": 1, "429": 1}


def test_key_without_checkout_read_fails_with_the_permission_named(stripe_sim, personas):
    key = "rk_test_51OnlyPaymentLinksRead00000000000000000000"
    stripe_sim.keys.add(key, {"rak_payment_link_read"})
    with pytest.raises(PermissionMissing) as caught:
        fetch_all(personas.org_a, key)
    assert "Checkout Sessions: Read" in caught.value.message


def test_refresh_one_link(stripe_sim, personas):
    provider = Stripe(ProviderContext(organization=personas.org_a, credentials={"api_key": DEMO_RESTRICTED_KEY}))
    link = next(link for link in stripe_sim.data(False).links if link["active"])
    before = provider.refresh_link(link["id"])
    stripe_sim.complete_checkout(False, link["id"])
    after = provider.refresh_link(link["id"])
    assert after.paid_count == before.paid_count + 1
    assert provider.refresh_link("plink_gone000") is None
    assert provider.refresh_link("../v1/events") is None
