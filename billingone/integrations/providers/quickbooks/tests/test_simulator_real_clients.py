"""Intuit's own OAuth client (intuit-oauth) and the community python-quickbooks client, pointed
at the simulator, work unchanged: proof that the simulator answers real clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item

from billingone.integrations.providers.quickbooks.testing import TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI


@pytest.fixture
def auth_client(qbo_sim) -> AuthClient:
    """intuit-oauth reads the endpoints from the simulator's discovery document."""
    client = AuthClient(TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_REDIRECT_URI, qbo_sim.discovery_url)
    url = client.get_authorization_url([Scopes.ACCOUNTING])
    params = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert httpx.get(url).status_code == 200  # the consent page
    realm = qbo_sim.realm_ids[0]
    answer = httpx.post(f"{qbo_sim.url}/connect/oauth2/consent", data={**params, "realm": realm, "decision": "allow"})
    callback = {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    assert callback["state"] == client.state_token
    client.get_bearer_token(callback["code"], realm_id=callback["realmId"])
    return client


@pytest.fixture
def qb(qbo_sim, auth_client, monkeypatch) -> QuickBooks:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the simulator speaks plain http on loopback
    monkeypatch.setattr(QuickBooks, "api_url_v3", f"{qbo_sim.url}/v3")
    return QuickBooks(
        auth_client=auth_client,
        refresh_token=auth_client.refresh_token,
        company_id=auth_client.realm_id,
        minorversion=75,
    )


def test_intuit_oauth_connects_refreshes_and_revokes(qbo_sim, auth_client):
    assert auth_client.realm_id == qbo_sim.realm_ids[0]
    assert auth_client.access_token and auth_client.expires_in == 3600
    first = auth_client.refresh_token
    auth_client.refresh()
    assert auth_client.refresh_token != first
    assert auth_client.revoke() is True
    with pytest.raises(AuthClientError) as caught:
        auth_client.refresh()
    assert caught.value.status_code == 400 and b"invalid_grant" in caught.value.content


def test_python_quickbooks_lists_counts_and_filters(qbo_sim, qb):
    books = qbo_sim.companies[qbo_sim.realm_ids[0]].books
    customers = Customer.all(qb=qb, max_results=1000)
    assert len(customers) == len(books.customers)
    assert Invoice.count(qb=qb) == books.total
    paid = Invoice.count("Balance = '0'", qb=qb)
    assert 0 < paid < books.total
    first = customers[0]
    theirs = Invoice.filter(CustomerRef=first.Id, qb=qb, max_results=1000)
    assert theirs and all(invoice.CustomerRef.value == first.Id for invoice in theirs)
    page = Invoice.all(qb=qb, start_position=2, max_results=3)
    assert [invoice.Id for invoice in page] == ["2", "3", "4"]
    assert {item.Name for item in Item.all(qb=qb)} >= {"Microsoft 365 Business Premium"}
    assert Invoice.choose(["1", "3"], qb=qb)[1].DocNumber == "1003"


def test_python_quickbooks_creates_voids_deletes_and_sees_it_in_cdc(qbo_sim, qb):
    since = (datetime.now(tz=UTC) - timedelta(seconds=2)).isoformat(timespec="seconds")  # with its offset
    invoice = Invoice()
    line = SalesItemLine()
    line.Amount, line.Description = 66, "Exchange Online (Plan 1) x 10"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Item.get("5", qb=qb).to_ref()
    line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice = 10, 6.6
    invoice.Line.append(line)
    invoice.CustomerRef = Customer.get("1", qb=qb).to_ref()
    saved = invoice.save(qb=qb, request_id="create-1")
    assert saved.TotalAmt == 72.6 and saved.Balance == 72.6
    assert invoice.save(qb=qb, request_id="create-1").Id == saved.Id  # replayed, not created twice
    saved.void(qb=qb)
    voided = Invoice.get(saved.Id, qb=qb)
    assert voided.TotalAmt == 0 and voided.PrivateNote == "Voided"
    voided.delete(qb=qb)
    changes = change_data_capture([Invoice, Customer], since, qb=qb)
    assert [(i.Id, i.status) for i in changes.Invoice] == [(saved.Id, "Deleted")]


def test_python_quickbooks_raises_on_fault_codes(qb):
    stale = Invoice.get("2", qb=qb)
    stale.SyncToken = "42"
    with pytest.raises(QuickbooksException) as caught:
        stale.save(qb=qb)
    assert caught.value.error_code == 5010


def credit_memo(qb, tax_code: str | None = None):
    from quickbooks.objects.base import Ref
    from quickbooks.objects.creditmemo import CreditMemo

    memo = CreditMemo()
    line = SalesItemLine()
    line.Amount, line.Description = 61.6, "Microsoft 365 Business Premium: 2 seats billed too many"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Item.get("3", qb=qb).to_ref()
    line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice = 2, 30.8
    if tax_code:
        line.SalesItemLineDetail.TaxCodeRef = Ref()
        line.SalesItemLineDetail.TaxCodeRef.value = tax_code
    memo.Line.append(line)
    memo.CustomerRef = Customer.get("1", qb=qb).to_ref()
    return memo


def test_python_quickbooks_creates_an_unsent_credit_memo_once_per_request_id(qbo_sim, qb):
    memo = credit_memo(qb, "TAX")
    saved = memo.save(qb=qb, request_id="credit-1")
    assert memo.save(qb=qb, request_id="credit-1").Id == saved.Id  # replayed, not created twice
    books = qbo_sim.companies[qbo_sim.realm_ids[0]].books
    assert list(books.credit_memos) == [saved.Id] and books.credit_memos[saved.Id]["EmailStatus"] == "NotSet"
    assert saved.TotalAmt == 67.76
    with pytest.raises(QuickbooksException) as caught:
        credit_memo(qb, "VAT9").save(qb=qb, request_id="credit-2")
    assert caught.value.error_code == 2500 and list(books.credit_memos) == [saved.Id]
