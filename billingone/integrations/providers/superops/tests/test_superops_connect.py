"""Test Connection's diagnostics against the simulator over real sockets: each failure SuperOps
can give is its own message at its own field, and an HTTP 200 is never a success before its
`errors` are read."""

from __future__ import annotations

import httpx
import pytest

from billingone.integrations.base import (
    CredentialsRejected,
    NullProgress,
    PermissionMissing,
    ProviderContext,
    RateLimited,
    UnexpectedAnswer,
    Unreachable,
)
from billingone.integrations.providers.superops import client as superops_client
from billingone.integrations.providers.superops.client import SuperOpsApi
from billingone.integrations.providers.superops.provider import SuperOps
from billingone.integrations.providers.superops.testing import BAD_TOKEN, EU_GOOD, GOOD, TECHNICIAN
from billingone.integrations.testing import free_port


def provider(organization, credentials) -> SuperOps:
    return SuperOps(ProviderContext(organization=organization, credentials=dict(credentials)))


def diagnose(organization, credentials) -> Exception:
    with pytest.raises(Exception) as caught:
        provider(organization, credentials).test_connection()
    return caught.value


def test_the_demo_token_connects_on_each_region(personas, superops_sim):
    provider(personas.org_a, GOOD).test_connection()
    provider(personas.org_a, EU_GOOD).test_connection()
    sent = superops_sim.requests[-1]
    assert sent["region"] == "eu" and sent["headers"]["CustomerSubDomain"] == EU_GOOD["subdomain"]
    assert sent["headers"]["Authorization"] == f"Bearer {EU_GOOD['api_token']}"


def test_a_rejected_token_is_a_401_at_the_token_field(personas, superops_sim):
    error = diagnose(personas.org_a, BAD_TOKEN)
    assert isinstance(error, CredentialsRejected) and error.permanent and error.fields == ("api_token",)
    assert "SuperOps rejected this API token" in error.message and BAD_TOKEN["api_token"] not in error.message


def test_a_wrong_subdomain_is_a_400_with_an_empty_body_at_the_subdomain_field(personas, superops_sim):
    answer = httpx.post(
        superops_sim.api_url,
        json={"query": superops_client.CLIENT_LIST, "variables": {"input": {"page": 1, "pageSize": 1}}},
        headers={"Authorization": f"Bearer {GOOD['api_token']}", "CustomerSubDomain": "nosuchmsp"},
    )
    assert answer.status_code == 400 and answer.content == b""  # what our client must cope with
    error = diagnose(personas.org_a, {**GOOD, "subdomain": "nosuchmsp"})
    assert isinstance(error, CredentialsRejected) and error.fields == ("subdomain",)
    assert "does not know the customer subdomain \u201cnosuchmsp\u201d on its US endpoint" in error.message


def test_the_wrong_region_reads_as_an_unknown_subdomain_there(personas, superops_sim):
    error = diagnose(personas.org_a, {**GOOD, "region": "eu"})
    assert isinstance(error, CredentialsRejected) and "on its EU endpoint" in error.message
    assert "check the region" in error.message


def test_a_subdomain_that_is_not_a_host_label_is_refused_without_a_call(personas, superops_sim):
    before = len(superops_sim.requests)
    error = diagnose(personas.org_a, {**GOOD, "subdomain": "acme\r\nX-Evil: 1"})
    assert isinstance(error, CredentialsRejected) and error.fields == ("subdomain",)
    assert len(superops_sim.requests) == before


def test_the_subdomain_may_be_pasted_as_the_apps_address(personas, superops_sim):
    provider(personas.org_a, {**GOOD, "subdomain": "https://DemoMSP.superops.ai/#/dashboard"}).test_connection()
    assert superops_sim.requests[-1]["headers"]["CustomerSubDomain"] == GOOD["subdomain"]


def test_unreachable_is_transient(personas, settings, superops_sim):
    port = free_port()
    settings.SUPEROPS_API_URL = f"http://127.0.0.1:{port}/msp"
    settings.INTEGRATION_SIMULATOR_HOSTS = [*settings.INTEGRATION_SIMULATOR_HOSTS, f"127.0.0.1:{port}"]
    error = diagnose(personas.org_a, GOOD)
    assert isinstance(error, Unreachable) and not error.permanent


def test_forbidden_inside_a_200_names_the_missing_permission(personas, superops_sim):
    # The technician's token may list clients (the documented test) but not invoices.
    error = diagnose(personas.org_a, TECHNICIAN)
    assert isinstance(error, PermissionMissing) and error.permanent
    assert "may not read the invoice list" in error.message


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("paused", "subscription is paused"),
        ("cancelled", "subscription is cancelled"),
        ("trial_expired", "trial has expired"),
    ],
)
def test_subscription_states_inside_a_200_are_permanent_and_distinct(personas, superops_sim, state, words):
    superops_sim.tenant("us").subscription = state
    raw = httpx.post(
        superops_sim.api_url,
        json={"query": superops_client.CLIENT_LIST, "variables": {"input": {"page": 1, "pageSize": 1}}},
        headers={"Authorization": f"Bearer {GOOD['api_token']}", "CustomerSubDomain": GOOD["subdomain"]},
    )
    assert raw.status_code == 200 and raw.json()["data"] is None
    assert raw.json()["errors"][0]["extensions"]["clientError"][0]["code"] == f"subscription_{state}"
    error = diagnose(personas.org_a, GOOD)
    assert isinstance(error, PermissionMissing) and words in error.message


def test_a_200_with_a_validation_error_is_a_failure_not_an_empty_success(personas, superops_sim, settings):
    api = SuperOpsApi(GOOD["api_token"], GOOD["subdomain"], "us")
    with pytest.raises(UnexpectedAnswer) as caught:
        api.call("query { getInvoiceList(input: {page: 1}) { invoices { invoiceId currency } } }", {}, "a test")
    assert "Cannot query field 'currency' on type 'Invoice'" in caught.value.message


def test_rate_limit_exceeded_inside_a_200_is_waited_out_by_the_limiter(personas, superops_sim, monkeypatch):
    # The simulator's own window refuses the third call within 1.5 s, with no Retry-After (SuperOps
    # documents none): the client pauses the account and retries, and the answer comes through.
    monkeypatch.setattr(superops_client, "RATE_REFUSAL_PAUSE", 0.5)
    superops_sim.per_minute, superops_sim.window = 2, 1.5
    api = SuperOpsApi(GOOD["api_token"], GOOD["subdomain"], "us")
    pages = [api.client_page(page, 5) for page in (1, 2, 3)]
    assert [len(page["clients"]) for page in pages] == [5, 5, 5]
    assert api.http.stats.rate_limited >= 1 and superops_sim.stats["rate_limited"] >= 1


def test_rate_limit_exceeded_that_lasts_becomes_rate_limited(personas, superops_sim, settings, monkeypatch):
    monkeypatch.setattr(superops_client, "RATE_REFUSAL_PAUSE", 0.01)
    superops_sim.faults.add("429", path="/msp/getClientList", times=100, retry_after=0)
    with pytest.raises(RateLimited):
        SuperOpsApi(GOOD["api_token"], GOOD["subdomain"], "us").client_page(1, 1)


def test_a_sync_paced_at_the_limit_meets_no_rate_refusal(personas, superops_sim, settings):
    # SuperOps' 800 a minute scaled to 40 per 4 s on both sides: our limiter keeps 5% under it.
    superops_sim.per_minute, superops_sim.window = 40, 4.0
    tenant = superops_sim.tenant("us")
    for invoice_id in list(tenant.invoices)[60:]:  # 60 invoices + 3 pages: two windows' worth
        tenant.delete_invoice(invoice_id)
    settings.SUPEROPS_RATE_LIMIT_CALLS, settings.SUPEROPS_RATE_LIMIT_PERIOD_SECONDS = 40, 4
    yielded = list(provider(personas.org_a, GOOD).fetch("full", None, NullProgress()))
    assert yielded and superops_sim.stats["rate_limited"] == 0
    assert superops_sim.stats["getInvoice"] == len(tenant.invoices) == 60
