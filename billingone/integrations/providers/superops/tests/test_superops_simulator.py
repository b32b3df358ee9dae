"""The simulator speaks SuperOps' contract: both headers, errors inside a 200, queries validated
against the repository's reconstructed subset (an unknown field fails loudly, as a real server
answers), ListInfoInput's paging, conditions and sort, and the Pax8 simulator's companies."""

from __future__ import annotations

import httpx
import pytest

from billingone.integrations.providers.superops.client import CLIENT_LIST, INVOICE, INVOICE_LIST
from billingone.integrations.providers.superops.simulator import SuperOpsSimulator
from billingone.integrations.providers.superops.simulator.server import (
    DEMO_EU_SUBDOMAIN,
    DEMO_EU_TOKEN,
    DEMO_SUBDOMAIN,
    DEMO_TOKEN,
)
from simulators.dataset import clients

HEADERS = {"Authorization": f"Bearer {DEMO_TOKEN}", "CustomerSubDomain": DEMO_SUBDOMAIN}


@pytest.fixture(scope="module")
def sim():
    with SuperOpsSimulator(invoices=250, companies=24) as running:
        yield running


def post(sim, query: str, variables: dict | None = None, headers: dict | None = None, url: str = "") -> httpx.Response:
    body = {"query": query, "variables": variables or {}}
    return httpx.post(url or sim.api_url, json=body, headers=HEADERS if headers is None else headers, timeout=10)


def invoices(sim, listing: dict) -> dict:
    answer = post(sim, INVOICE_LIST, {"input": listing})
    assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
    return answer.json()["data"]["getInvoiceList"]


def test_a_field_the_subset_does_not_know_is_a_graphql_validation_error(sim):
    answer = post(sim, INVOICE_LIST.replace("totalAmount", "totalAmount currency"), {"input": {"page": 1}})
    assert answer.status_code == 200
    body = answer.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Cannot query field 'currency' on type 'Invoice'."
    assert body["errors"][0]["extensions"]["classification"] == "ValidationError"


def test_sub_selections_on_json_associations_are_refused(sim):
    answer = post(sim, "query { getInvoiceList(input: {page: 1}) { invoices { client { accountId } } } }")
    assert answer.json()["data"] is None
    assert "must not have a selection since type 'JSON' has no subfields" in answer.json()["errors"][0]["message"]


def test_an_unknown_operation_and_a_syntax_error_fail_too(sim):
    assert "Cannot query field 'getInvoices'" in post(sim, "{ getInvoices { x } }").json()["errors"][0]["message"]
    syntax = post(sim, "query {").json()["errors"][0]
    assert syntax["extensions"]["classification"] == "InvalidSyntax"


def test_both_headers_are_required_401_then_400(sim):
    listing = {"input": {"page": 1, "pageSize": 1}}
    assert post(sim, CLIENT_LIST, listing, {"CustomerSubDomain": DEMO_SUBDOMAIN}).status_code == 401
    missing = post(sim, CLIENT_LIST, listing, {"Authorization": f"Bearer {DEMO_TOKEN}"})
    assert missing.status_code == 400 and missing.content == b""
    wrong_token = {**HEADERS, "Authorization": "Bearer not-a-token"}
    assert post(sim, CLIENT_LIST, listing, wrong_token).status_code == 401


def test_the_eu_host_serves_its_own_tenants_only(sim):
    listing = {"input": {"page": 1, "pageSize": 1}}
    eu = {"Authorization": f"Bearer {DEMO_EU_TOKEN}", "CustomerSubDomain": DEMO_EU_SUBDOMAIN}
    assert post(sim, CLIENT_LIST, listing, eu, url=sim.eu_api_url).status_code == 200
    assert post(sim, CLIENT_LIST, listing, eu).status_code == 400  # the EU tenant is unknown on the US host
    assert post(sim, CLIENT_LIST, listing, url=sim.eu_api_url).status_code == 400


def test_pages_of_at_most_100_and_has_more_null_on_the_last_page(sim):
    first = invoices(sim, {"page": 1, "pageSize": 100})
    assert first["listInfo"] == {"page": 1, "pageSize": 100, "hasMore": True, "totalCount": 250}
    last = invoices(sim, {"page": 3, "pageSize": 100})
    assert len(last["invoices"]) == 50 and last["listInfo"]["hasMore"] is None
    refused = post(sim, INVOICE_LIST, {"input": {"page": 1, "pageSize": 101}}).json()
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["clientError"][0]["code"] == "value_length_exceeds_limit"


def test_conditions_simple_and_compound_and_sort(sim):
    every = [row for page in (1, 2, 3) for row in invoices(sim, {"page": page, "pageSize": 100})["invoices"]]
    cutoff = sorted(row["invoiceDate"] for row in every)[200]
    after = {"attribute": "invoiceDate", "operator": "after", "value": cutoff}
    recent = invoices(sim, {"page": 1, "pageSize": 100, "condition": after})
    assert recent["listInfo"]["totalCount"] == sum(1 for row in every if row["invoiceDate"] > cutoff) > 0
    name = every[0]["client"]["name"]
    compound = {
        "joinOperator": "AND",
        "operands": [
            {"attribute": "client.name", "operator": "is", "value": name},
            {"attribute": "statusEnum", "operator": "includes", "value": ["PAID", "SENT"]},
        ],
    }
    sort = [{"attribute": "totalAmount", "order": "DESC"}]
    chosen = invoices(sim, {"page": 1, "pageSize": 100, "condition": compound, "sort": sort})["invoices"]
    assert chosen and {row["client"]["name"] for row in chosen} == {name}
    assert {row["statusEnum"] for row in chosen} <= {"PAID", "SENT"}
    assert [row["totalAmount"] for row in chosen] == sorted((row["totalAmount"] for row in chosen), reverse=True)
    unknown = post(sim, INVOICE_LIST, {"input": {"condition": {"attribute": "nope", "operator": "is", "value": 1}}})
    assert unknown.json()["errors"][0]["extensions"]["clientError"][0]["code"] == "type_validation_failed"


def test_ids_beyond_2_53_are_id_strings_and_unquoted_numbers_inside_associations(sim):
    first = invoices(sim, {"page": 1, "pageSize": 1})["invoices"][0]
    assert isinstance(first["invoiceId"], str) and int(first["invoiceId"]) > 2**53
    raw = post(sim, INVOICE_LIST, {"input": {"page": 1, "pageSize": 1}}).text
    account_id = first["client"]["accountId"]
    assert isinstance(account_id, int) and account_id > 2**53 and f'"accountId": {account_id}' in raw
    assert float(account_id) != account_id  # a double would lose it: read the digits, not a float


def test_get_invoice_has_items_and_a_missing_one_is_entity_does_not_exist(sim):
    invoice_id = invoices(sim, {"page": 1, "pageSize": 1})["invoices"][0]["invoiceId"]
    found = post(sim, INVOICE, {"input": {"invoiceId": invoice_id}}).json()["data"]["getInvoice"]
    assert found["items"] and found["items"][0]["details"] and found["taxes"][0]["taxAmount"] > 0
    missing = post(sim, INVOICE, {"input": {"invoiceId": "1"}}).json()
    assert missing["data"] is None
    assert missing["errors"][0]["extensions"]["clientError"][0]["code"] == "entity_does_not_exist"


def test_clients_are_the_pax8_simulators_companies(sim):
    listed = post(sim, CLIENT_LIST, {"input": {"page": 1, "pageSize": 100}}).json()["data"]["getClientList"]
    companies = clients(1, 24)
    assert listed["listInfo"]["totalCount"] == 24 and listed["listInfo"]["hasMore"] is None
    assert {row["emailDomains"][0] for row in listed["clients"]} == {company.domain for company in companies}
    spelled = {row["name"].lower() for row in listed["clients"]}
    assert {company.name.lower() for company in companies} & spelled  # mostly the same spelling


def test_faults_and_control_endpoints(sim):
    created = httpx.post(f"{sim.url}/_sim/faults", json={"kind": "429", "path": "/msp/getClientList"})
    assert created.status_code == 201
    refused = post(sim, CLIENT_LIST, {"input": {"page": 1, "pageSize": 1}})
    assert refused.status_code == 200 and refused.headers["Retry-After"] == "1"
    assert refused.json()["errors"][0]["extensions"]["clientError"][0]["code"] == "rate_limit_exceeded"
    assert httpx.get(f"{sim.url}/_sim/faults").json()["fired"] == {"429": 1}
    paused = httpx.post(f"{sim.url}/_sim/tenant", json={"subscription": "paused"}).json()
    assert paused == {"subdomain": DEMO_SUBDOMAIN, "subscription": "paused"}
    code = post(sim, CLIENT_LIST, {"input": {"page": 1}}).json()["errors"][0]["extensions"]["clientError"][0]["code"]
    assert code == "subscription_paused"
    httpx.post(f"{sim.url}/_sim/tenant", json={"subscription": "active"})
