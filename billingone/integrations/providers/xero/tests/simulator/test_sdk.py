"""Xero's official Python SDK (xero-python) against the simulator: if Xero's own client reads
what the simulator answers, the simulator speaks Xero. Fetch by id, the list filters, `where`
comparisons, `order`, If-Modified-Since, the SDK's token refresh (client credentials in the
form body) and revocation, rate headers on every status."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException, NotFoundException, RateLimitException

from .conftest import CLIENT_ID, CLIENT_SECRET

RATE_HEADERS = ("x-daylimit-remaining", "x-minlimit-remaining", "x-appminlimit-remaining")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def token_store(xero_tokens) -> dict:
    token = {key: value for key, value in xero_tokens.items() if key != "connections"}
    token["scope"] = token["scope"].split()
    token["expires_at"] = datetime.now(tz=UTC).timestamp() + token["expires_in"]
    return {"token": token}


@pytest.fixture
def api(xero_sim, token_store, monkeypatch) -> AccountingApi:
    # The SDK keeps Xero Identity's URLs as class attributes: that is where its host is set.
    monkeypatch.setattr(TokenApi, "refresh_token_url", xero_sim.url + "/connect/token")
    monkeypatch.setattr(TokenApi, "revoke_token_url", xero_sim.url + "/connect/revocation")
    configuration = Configuration()  # a copy of the SDK's default: set the token on the copy
    configuration.oauth2_token = OAuth2Token(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    client = ApiClient(configuration, pool_threads=1)
    client.oauth2_token_getter(lambda: token_store["token"])
    client.oauth2_token_saver(lambda token: token_store.update(token=token))
    return AccountingApi(client, base_url=xero_sim.url + "/api.xro/2.0")


@pytest.fixture
def tenant(xero_sim) -> str:
    return xero_sim.tenant_ids[0]


@pytest.fixture
def invoices(xero_sim) -> list[dict]:
    data = xero_sim.tenant().data
    return [data.invoice(index) for index in range(data.total)]


def test_fetch_by_id_and_a_404_for_an_unknown_id(api, tenant, invoices, xero_sim):
    wanted = invoices[7]
    found = api.get_invoice(tenant, wanted["InvoiceID"]).invoices
    assert [invoice.invoice_number for invoice in found] == [wanted["InvoiceNumber"]]
    assert found[0].line_items[0].item_code == wanted["LineItems"][0]["ItemCode"]
    assert api.get_invoice(tenant, wanted["InvoiceNumber"]).invoices[0].invoice_id == found[0].invoice_id
    contact = xero_sim.tenant().data.contacts[3]
    assert api.get_contact(tenant, contact.contact_id).contacts[0].name == contact.name
    for fetch in (api.get_invoice, api.get_contact):
        with pytest.raises(NotFoundException) as missing:
            fetch(tenant, UNKNOWN_ID)
        assert missing.value.status == 404
        assert all(name in {key.lower() for key in missing.value.headers} for name in RATE_HEADERS)


def test_list_filters_ids_numbers_contacts_statuses(api, tenant, invoices):
    chosen = invoices[3:6]
    by_id = api.get_invoices(tenant, i_ds=[invoice["InvoiceID"] for invoice in chosen]).invoices
    assert {str(invoice.invoice_id) for invoice in by_id} == {invoice["InvoiceID"] for invoice in chosen}
    by_number = api.get_invoices(tenant, invoice_numbers=[chosen[0]["InvoiceNumber"], "INV-999999"]).invoices
    assert [invoice.invoice_number for invoice in by_number] == [chosen[0]["InvoiceNumber"]]
    contact_id = chosen[1]["Contact"]["ContactID"]
    of_contact = api.get_invoices(tenant, contact_i_ds=[contact_id]).invoices
    expected = [invoice["InvoiceNumber"] for invoice in invoices if invoice["Contact"]["ContactID"] == contact_id]
    assert [invoice.invoice_number for invoice in of_contact] == expected
    paid_or_voided = api.get_invoices(tenant, statuses=["PAID", "VOIDED"]).invoices
    assert {invoice.status for invoice in paid_or_voided} == {"PAID", "VOIDED"}
    assert len(paid_or_voided) == sum(1 for invoice in invoices if invoice["Status"] in ("PAID", "VOIDED"))


def test_where_comparisons(api, tenant, invoices):
    where = 'Type=="ACCREC" AND Total>=500 AND Date<DateTime(2026, 9, 1)'
    found = api.get_invoices(tenant, where=where).invoices
    expected = [
        invoice["InvoiceNumber"]
        for invoice in invoices
        if invoice["Type"] == "ACCREC" and invoice["Total"] >= 500 and invoice["DateString"] < "2026-09-01"
    ]
    assert expected and [invoice.invoice_number for invoice in found] == expected
    contact_id = invoices[0]["Contact"]["ContactID"]
    either = api.get_invoices(tenant, where=f'Contact.ContactID==Guid("{contact_id}") OR Status=="DRAFT"').invoices
    assert {invoice.invoice_number for invoice in either} == {
        invoice["InvoiceNumber"]
        for invoice in invoices
        if invoice["Contact"]["ContactID"] == contact_id or invoice["Status"] == "DRAFT"
    }
    not_paid = api.get_invoices(tenant, where='Status!="PAID"').invoices
    assert not_paid and all(invoice.status != "PAID" for invoice in not_paid)
    with pytest.raises(AccountingBadRequestException):
        api.get_invoices(tenant, where='Colour=="red"')


def test_order(api, tenant, invoices, xero_sim):
    totals = [invoice.total for invoice in api.get_invoices(tenant, order="Total DESC", page=1).invoices]
    assert totals == sorted(totals, reverse=True) and len(totals) == 100
    numbers = [invoice.invoice_number for invoice in api.get_invoices(tenant, order="InvoiceNumber DESC").invoices]
    assert numbers == sorted((invoice["InvoiceNumber"] for invoice in invoices), reverse=True)
    names = [contact.name for contact in api.get_contacts(tenant, order="Name").contacts]
    assert names == sorted(names, key=str.lower)
    customers = api.get_contacts(tenant, where="IsCustomer==true", order="Name DESC").contacts
    assert customers and all(contact.is_customer for contact in customers)
    assert [c.name for c in customers] == sorted((c.name for c in customers), key=str.lower, reverse=True)


def test_contacts_by_ids_and_string_methods(api, tenant, xero_sim):
    contacts = xero_sim.tenant().data.contacts
    ids = [contacts[0].contact_id, contacts[2].contact_id]
    assert {str(c.contact_id) for c in api.get_contacts(tenant, i_ds=ids).contacts} == set(ids)
    word = contacts[1].name.split()[0]
    found = api.get_contacts(tenant, where=f'Name.Contains("{word.lower()}")').contacts
    assert contacts[1].name in {contact.name for contact in found}
    assert all(word.lower() in contact.name.lower() for contact in found)


def test_if_modified_since_from_the_sdk(api, tenant, xero_sim):
    since = datetime.fromtimestamp(xero_sim.clock(), tz=UTC) - timedelta(seconds=1)
    changed = xero_sim.change_invoice(4)
    new = xero_sim.add_invoice()
    found = api.get_invoices(tenant, if_modified_since=since).invoices
    assert {invoice.invoice_number for invoice in found} == {changed["InvoiceNumber"], new["InvoiceNumber"]}


def test_the_sdk_refreshes_with_credentials_in_the_form_body_and_revokes(api, tenant, token_store, xero_sim):
    first = dict(token_store["token"])
    token_store["token"]["expires_at"] = datetime.now(tz=UTC).timestamp() - 10  # expired: the SDK refreshes
    assert api.get_contacts(tenant).contacts
    assert token_store["token"]["refresh_token"] != first["refresh_token"]
    assert xero_sim.identity.grants[-1].refreshes == 1
    api.api_client.revoke_oauth2_token()
    assert xero_sim.identity.grants[-1].revoked


def test_rate_headers_on_every_status(api, tenant):
    _, status, headers = api.get_contacts(tenant, _return_http_data_only=False)
    assert status == 200 and all(name in {key.lower() for key in headers} for name in RATE_HEADERS)
    with pytest.raises(AccountingBadRequestException) as refused:
        api.get_invoices(tenant, order="Colour")
    assert all(name in {key.lower() for key in refused.value.headers} for name in RATE_HEADERS)


def test_a_429_is_waited_out_by_the_sdk_and_says_which_limit(api, tenant, xero_sim):
    xero_sim.faults.add("429", retry_after=1)
    started = time.monotonic()
    assert api.get_contacts(tenant).contacts  # urllib3, under the SDK, waits out Retry-After and asks again
    assert time.monotonic() - started >= 1 and xero_sim.faults.state()["fired"] == {"429": 1}
    pool = api.api_client.rest_client.pool_manager
    pool.connection_pool_kw["retries"] = False  # from here the SDK sees the 429 itself
    pool.clear()
    xero_sim.limits.per_minute = 1
    with pytest.raises(RateLimitException) as limited:
        api.get_contacts(tenant)
    assert limited.value.rate_limit == "minute" and 1 <= int(limited.value.headers["Retry-After"]) <= 60
    assert all(name in {key.lower() for key in limited.value.headers} for name in RATE_HEADERS)
