"""What a domains_hosting sync brings in from the simulator: owners linked by domain, domains and
hosting services with renewals, hosting details read where the list lacks them, per-item errors
recorded as warnings, paging by 500 / 1000, dates in Synergy's zone."""

from __future__ import annotations

from datetime import date

import httpx

from billingone.billing.models import Customer, Subscription
from billingone.integrations.base import NullProgress, ProviderContext
from billingone.integrations.providers.synergy.provider import SynergyWholesale
from billingone.integrations.providers.synergy.testing import GOOD, running_synergy
from billingone.integrations.records import Batch, Complete, ItemWarning, SubscriptionRecord
from billingone.integrations.state import run_payload
from billingone.integrations.testing import connect, run_sync
from simulators.dataset import clients

ANCHOR = date(2026, 11, 27)


def fetched(organization):
    provider = SynergyWholesale(ProviderContext(organization=organization, credentials=dict(GOOD)))
    return list(provider.fetch("domains_hosting", None, NullProgress()))


def subscriptions(yielded) -> dict[str, SubscriptionRecord]:
    return {
        record.external_id: record
        for item in yielded
        if isinstance(item, Batch)
        for record in item.records
        if isinstance(record, SubscriptionRecord)
    }


def test_domains_and_hosting_map_with_renewals_owners_and_details(personas, settings):
    with running_synergy(settings, anchor=ANCHOR) as sim:
        yielded = fetched(personas.org_a)
        calls = [call["command"] for call in sim.calls]
    records = subscriptions(yielded)
    company = clients(1, 12)[0]
    domain = records[f"domain:{company.domain}"]
    assert domain.kind == "domain" and domain.renews_on == date(2026, 11, 17) and domain.auto_renew is True
    assert domain.product_id == f"tld:{company.domain.split('.', 1)[1]}" and domain.currency == "AUD"
    hosting = [r for r in records.values() if r.kind == "hosting"]
    assert hosting and all(r.renews_on and r.plan and r.billing_term in ("monthly", "annual") for r in hosting)
    # Services whose list entry lacks billing fields were completed by hostingGetService, one call each.
    brief = [s for s in sim.account.services if "_detail" in s]
    assert brief and calls.count("hostingGetService") == len(brief)
    for service in brief:
        record = records[f"hosting:{service['hoid']}"]
        assert record.source_term == service["_detail"]["billingPeriod"] and record.renews_on
    assert calls[:2] == ["listDomains", "domainInfo"]  # the flaky domain was asked for on its own
    suspended = next(r for r in hosting if r.source_status == "Suspended")
    assert suspended.status == "suspended"
    leaving = next(r for r in hosting if r.source_status == "Pending Cancellation")
    assert leaving.status == "active" and leaving.auto_renew is False


def test_a_renewal_time_after_midnight_keeps_its_local_date(personas, settings):
    with running_synergy(settings, anchor=ANCHOR) as sim:
        records = subscriptions(fetched(personas.org_a))
        early = next(d for d in sim.account.domains if d.get("domain_expiry", "").endswith("00:30:00"))
    # 00:30 in Melbourne is the previous day in UTC: the renewal is still the local day.
    assert records[f"domain:{early['domainName']}"].renews_on.isoformat() == early["domain_expiry"][:10]


def test_item_errors_are_warnings_on_the_run_and_the_run_succeeds(personas, settings):
    with running_synergy(settings, anchor=ANCHOR):
        connect(personas.org_a, "synergy", dict(GOOD))
        run = run_sync(personas.org_a, "synergy", "domains_hosting")
    assert run.status == "succeeded", run.error_message
    assert run.warnings == 2  # the deleted domain and the gone hosting service of the example statuses
    assert "closedbranch.com.au" in run.warning_message and "ERR_HOSTING_SERVICE_NOT_FOUND" in run.warning_message
    assert run_payload(run)["warnings"]["count"] == 2
    flaky = clients(1, 12)[2].domain  # listed with an error, read again with domainInfo
    assert Subscription.objects.filter(organization=personas.org_a, name=flaky, removed_at=None).exists()


def test_an_item_unreadable_twice_is_kept_and_nothing_is_swept(personas, settings):
    with running_synergy(settings, anchor=ANCHOR) as sim:
        connect(personas.org_a, "synergy", dict(GOOD))
        assert run_sync(personas.org_a, "synergy", "domains_hosting").status == "succeeded"
        victim = clients(1, 12)[3].domain
        httpx.post(sim.url + "/_sim/broken", json={"domain": victim}, timeout=5).raise_for_status()
        sim.account.domains = [d for d in sim.account.domains if d["domainName"] != "oldmillproject.com"]
        run = run_sync(personas.org_a, "synergy", "domains_hosting")
    assert run.status == "succeeded" and run.warnings == 3 and victim in run.warning_message
    assert run.removed == 0  # an unreadable item is not a removed one: this scan sweeps nothing
    kept = Subscription.objects.get(organization=personas.org_a, name=victim)
    assert kept.removed_at is None


def test_yielded_warnings_name_the_items(personas, settings):
    with running_synergy(settings, anchor=ANCHOR):
        yielded = fetched(personas.org_a)
    warnings = [item for item in yielded if isinstance(item, ItemWarning)]
    assert {w.external_id for w in warnings} == {"domain:closedbranch.com.au", "hosting:formerclient.com.au"}
    assert sum(isinstance(item, Complete) for item in yielded) == 3


def test_owners_link_to_the_pax8_companies_by_website_domain(personas, settings):
    with running_synergy(settings, anchor=ANCHOR):
        connect(personas.org_a, "synergy", dict(GOOD))
        assert run_sync(personas.org_a, "synergy", "domains_hosting").status == "succeeded"
    company = clients(1, 12)[0]
    owner = Customer.objects.get(organization=personas.org_a, source="synergy", domains__contains=company.domain)
    assert company.domain in owner.domains.split()
    au = next(c for c in clients(1, 12) if c.domain.endswith(".au"))
    registrant = Customer.objects.get(organization=personas.org_a, external_id=f"registrant:{au.name.lower()}")
    assert registrant.name.lower() == au.name.lower()


def test_domains_page_by_500(personas, settings):
    with running_synergy(settings, anchor=ANCHOR, filler=1100) as sim:
        records = subscriptions(fetched(personas.org_a))
        pages = [call for call in sim.calls if call["command"] == "listDomains"]
        hosting_pages = [call for call in sim.calls if call["command"] == "listHosting"]
    assert [(p["page"], p["limit"]) for p in pages] == [("1", "500"), ("2", "500"), ("3", "500")]
    assert [(p["page"], p["limit"]) for p in hosting_pages] == [("1", "1000")]
    assert sum(1 for key in records if key.startswith("domain:filler-")) == 1100


def test_an_item_that_no_longer_exists_when_asked_again_is_swept(personas, settings):
    with running_synergy(settings, anchor=ANCHOR) as sim:
        connect(personas.org_a, "synergy", dict(GOOD))
        assert run_sync(personas.org_a, "synergy", "domains_hosting").status == "succeeded"
        victim = clients(1, 12)[3].domain
        # Listed with an error, and domainInfo says it does not exist: it left the account.
        sim.account.domains = [
            {"status": "ERR_DOMAININFO_FAILED", "errorMessage": "Domain Info Failed", "domainName": victim}
            if d.get("domainName") == victim
            else d
            for d in sim.account.domains
        ]
        run = run_sync(personas.org_a, "synergy", "domains_hosting")
    assert run.status == "succeeded" and run.warnings == 3 and "does not exist" in run.warning_message.lower()
    assert Subscription.objects.get(organization=personas.org_a, name=victim, kind="domain").removed_at is not None
