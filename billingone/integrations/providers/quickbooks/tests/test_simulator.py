"""The QuickBooks simulator behaves like QuickBooks Online (PROVIDERS.md §3): OAuth with a company
choice and rotating refresh tokens, the query language, CDC, invoice writes, Faults, throttles,
injected faults and signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from billingone.integrations.providers.quickbooks.testing import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_REDIRECT_URI,
    approve,
    obtain_tokens,
    start_simulator,
)


def token_call(sim, **form):
    return httpx.post(f"{sim.url}/oauth2/v1/tokens/bearer", auth=(TEST_CLIENT_ID, TEST_CLIENT_SECRET), data=form)


def query(api, text: str) -> httpx.Response:
    return api.get("/query", params={"query": text})


def ago(seconds: float) -> str:
    return (datetime.now(tz=timezone(timedelta(hours=-8))) - timedelta(seconds=seconds)).isoformat(timespec="seconds")


# ---- OAuth ---------------------------------------------------------------------------------


def test_discovery_document_points_at_the_simulator(qbo_sim):
    document = httpx.get(qbo_sim.discovery_url).json()
    assert document["authorization_endpoint"] == f"{qbo_sim.url}/connect/oauth2"
    assert document["token_endpoint"] == f"{qbo_sim.url}/oauth2/v1/tokens/bearer"
    assert document["revocation_endpoint"] == f"{qbo_sim.url}/v2/oauth2/tokens/revoke"
    assert "client_secret_basic" in document["token_endpoint_auth_methods_supported"]


def test_consent_page_offers_each_company_and_returns_the_chosen_realm(qbo_sim):
    page = httpx.get(
        f"{qbo_sim.url}/connect/oauth2",
        params={
            "client_id": TEST_CLIENT_ID,
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": TEST_REDIRECT_URI,
            "state": "s",
        },
    )
    assert page.status_code == 200
    for company in qbo_sim.companies.values():
        assert company.name in page.text
    second = qbo_sim.realm_ids[1]
    callback = approve(qbo_sim, second, state="xyz")
    assert callback["realmId"] == second and callback["state"] == "xyz" and callback["code"]


def test_unregistered_redirect_and_wrong_secret_are_refused(qbo_sim):
    page = httpx.get(
        f"{qbo_sim.url}/connect/oauth2",
        params={
            "client_id": TEST_CLIENT_ID,
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": "https://evil.example/cb",
            "state": "s",
        },
    )
    assert page.status_code == 400 and "redirect_uri" in page.text
    wrong = httpx.post(
        f"{qbo_sim.url}/oauth2/v1/tokens/bearer",
        auth=(TEST_CLIENT_ID, "nope"),
        data={"grant_type": "refresh_token", "refresh_token": "x"},
    )
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}


def test_codes_are_single_use(qbo_sim):
    code = approve(qbo_sim)["code"]
    first = token_call(qbo_sim, grant_type="authorization_code", code=code, redirect_uri=TEST_REDIRECT_URI)
    assert first.status_code == 200 and first.json()["expires_in"] == 3600
    assert first.json()["x_refresh_token_expires_in"] > 0
    again = token_call(qbo_sim, grant_type="authorization_code", code=code, redirect_uri=TEST_REDIRECT_URI)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


def test_refresh_tokens_rotate_and_the_old_one_dies_once_the_new_one_is_used(qbo_sim, qbo_tokens):
    old = qbo_tokens["refresh_token"]
    first = token_call(qbo_sim, grant_type="refresh_token", refresh_token=old).json()
    assert first["refresh_token"] != old
    retried = token_call(qbo_sim, grant_type="refresh_token", refresh_token=old)  # a crash before saving: retry
    assert retried.status_code == 200
    newest = retried.json()["refresh_token"]
    assert token_call(qbo_sim, grant_type="refresh_token", refresh_token=newest).status_code == 200
    dead = token_call(qbo_sim, grant_type="refresh_token", refresh_token=old)
    assert dead.status_code == 400 and dead.json()["error"] == "invalid_grant"


def test_revoke_ends_api_access(qbo_sim, qbo_tokens, qbo_api):
    assert qbo_api.get(f"/companyinfo/{qbo_tokens['realm_id']}").status_code == 200
    revoked = httpx.post(
        f"{qbo_sim.url}/v2/oauth2/tokens/revoke",
        auth=(TEST_CLIENT_ID, TEST_CLIENT_SECRET),
        json={"token": qbo_tokens["refresh_token"]},
    )
    assert revoked.status_code == 200
    after = qbo_api.get(f"/companyinfo/{qbo_tokens['realm_id']}")
    assert after.status_code == 401 and "Fault" not in after.json()  # QBO's 401 is not a Fault envelope
    refreshed = token_call(qbo_sim, grant_type="refresh_token", refresh_token=qbo_tokens["refresh_token"])
    assert refreshed.json()["error"] == "invalid_grant"


def test_a_token_only_opens_its_own_company(qbo_sim, qbo_tokens):
    other = qbo_sim.realm_ids[1]
    answer = httpx.get(
        f"{qbo_sim.url}/v3/company/{other}/companyinfo/{other}",
        headers={"Authorization": f"Bearer {qbo_tokens['access_token']}"},
    )
    assert answer.status_code == 403 and answer.json()["Fault"]["type"] == "AuthorizationFault"


# ---- query ---------------------------------------------------------------------------------


def test_query_pages_are_one_based_and_cover_every_invoice_once(qbo_api):
    total = query(qbo_api, "SELECT count(*) FROM Invoice").json()["QueryResponse"]["totalCount"]
    assert total == 300
    seen = []
    for start in (1, 101, 201):
        text = f"SELECT * FROM Invoice STARTPOSITION {start} MAXRESULTS 100"  # noqa: S608 - QBO query text
        page = query(qbo_api, text).json()["QueryResponse"]
        assert page["startPosition"] == start and page["maxResults"] == 100
        seen += [invoice["Id"] for invoice in page["Invoice"]]
    assert len(set(seen)) == 300 and seen[0] == "1"
    beyond = query(qbo_api, "SELECT * FROM Invoice STARTPOSITION 301 MAXRESULTS 100").json()
    assert beyond["QueryResponse"] == {} and "time" in beyond  # no entity key when empty


def test_maxresults_defaults_to_100_and_is_capped_at_1000(qbo_sim, qbo_api):
    assert len(query(qbo_api, "SELECT * FROM Invoice").json()["QueryResponse"]["Invoice"]) == 100
    big = start_simulator(invoices=1500)
    try:
        tokens = obtain_tokens(big)
        answer = httpx.get(
            f"{big.url}/v3/company/{tokens['realm_id']}/query",
            params={"query": "select * from Invoice maxresults 5000", "minorversion": "75"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert len(answer.json()["QueryResponse"]["Invoice"]) == 1000
    finally:
        big.stop()


def test_where_and_orderby(qbo_api):
    paid = query(
        qbo_api,
        "SELECT * FROM Invoice WHERE Balance = '0' AND CustomerRef = '3' ORDERBY DocNumber DESC MAXRESULTS 1000",
    ).json()["QueryResponse"]["Invoice"]
    assert paid and all(i["Balance"] == 0 and i["CustomerRef"]["value"] == "3" for i in paid)
    numbers = [int(i["DocNumber"]) for i in paid]
    assert numbers == sorted(numbers, reverse=True)
    chosen = query(qbo_api, "SELECT * FROM Customer WHERE Id IN ('1', '2', '5')").json()["QueryResponse"]["Customer"]
    assert [c["Id"] for c in chosen] == ["1", "2", "5"]
    inactive = query(qbo_api, "SELECT * FROM Customer WHERE Active = false").json()["QueryResponse"]["Customer"]
    assert [c["DisplayName"] for c in inactive] == ["Cash Sales (inactive)"]
    like = query(qbo_api, "SELECT * FROM Item WHERE Name LIKE 'Microsoft 365%'").json()["QueryResponse"]["Item"]
    assert len(like) == 4 and all(i["Name"].startswith("Microsoft 365") for i in like)
    since = ago(86400 * 10)
    text = f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '{since}' MAXRESULTS 1000"  # noqa: S608
    recent = query(qbo_api, text)
    assert 0 < len(recent.json()["QueryResponse"]["Invoice"]) < 300


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM Invoice WHERE Balance = '0' OR Balance > '1'",
        "SELECT Id FROM Invoice",
        "DELETE FROM Invoice",
        "SELECT * FROM invoice",
        "SELECT * FROM Invoice STARTPOSITION x",
    ],
)
def test_unsupported_queries_answer_a_query_parser_fault(qbo_api, text):
    answer = query(qbo_api, text)
    assert answer.status_code == 400
    error = answer.json()["Fault"]["Error"][0]
    assert error["code"] == "4000" and answer.json()["Fault"]["type"] == "ValidationFault"


def test_query_by_post_with_an_application_text_body(qbo_api):
    answer = qbo_api.post(
        "/query", content=b"SELECT count(*) FROM Customer", headers={"Content-Type": "application/text"}
    )
    assert answer.json()["QueryResponse"]["totalCount"] == 24


# ---- change data capture -------------------------------------------------------------------


def test_cdc_returns_changes_and_deletion_stubs(qbo_sim, qbo_api):
    qbo_sim.change_invoice(4)
    deleted = qbo_sim.delete_invoice(10)
    qbo_sim.rename_customer(0, "Renamed Customer")
    answer = qbo_api.get("/cdc", params={"entities": "Invoice,Customer,Item", "changedSince": ago(60)}).json()
    invoice, customer, item = answer["CDCResponse"][0]["QueryResponse"]
    assert [i["Id"] for i in invoice["Invoice"]] == ["5", deleted]
    assert invoice["Invoice"][1] == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": "11",
        "MetaData": {"LastUpdatedTime": invoice["Invoice"][1]["MetaData"]["LastUpdatedTime"]},
    }
    assert customer["Customer"][0]["DisplayName"] == "Renamed Customer"
    assert "Item" not in item and item["totalCount"] == 0
    assert datetime.fromisoformat(answer["time"]) > datetime.fromisoformat(ago(5))
    assert query(qbo_api, "SELECT * FROM Invoice WHERE Id = '11'").json()["QueryResponse"] == {}


def test_cdc_refuses_a_look_back_older_than_30_days(qbo_api):
    answer = qbo_api.get("/cdc", params={"entities": "Invoice", "changedSince": ago(31 * 86400)})
    assert answer.status_code == 400 and "30 days" in answer.json()["Fault"]["Error"][0]["Detail"]


def test_cdc_returns_at_most_1000_objects_oldest_first(qbo_sim, qbo_api):
    since = ago(1)
    for index in range(300):
        qbo_sim.change_invoice(index)
    answer = qbo_api.get("/cdc", params={"entities": "Invoice", "changedSince": since}).json()
    assert answer["CDCResponse"][0]["QueryResponse"][0]["totalCount"] == 300
    big = start_simulator(invoices=1200)
    try:
        tokens = obtain_tokens(big)
        mark = ago(1)
        for index in range(1100):
            big.change_invoice(index)
        listed = httpx.get(
            f"{big.url}/v3/company/{tokens['realm_id']}/cdc",
            params={"entities": "Invoice", "changedSince": mark, "minorversion": "75"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        ).json()
        invoices = listed["CDCResponse"][0]["QueryResponse"][0]["Invoice"]
        assert len(invoices) == 1000 and invoices[0]["Id"] == "1"
    finally:
        big.stop()


# ---- writes --------------------------------------------------------------------------------

NEW_INVOICE = {
    "CustomerRef": {"value": "2"},
    "DocNumber": "MSP-1001",
    "Line": [
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": 396.0,
            "Description": "M365 Business Premium x 12",
            "SalesItemLineDetail": {"ItemRef": {"value": "3"}, "Qty": 12, "UnitPrice": 33.0},
        }
    ],
}


def test_invoice_create_is_idempotent_per_requestid(qbo_api):
    first = qbo_api.post("/invoice", params={"requestid": "r-1"}, json=NEW_INVOICE)
    assert first.status_code == 200
    created = first.json()["Invoice"]
    assert created["SyncToken"] == "0" and created["TotalAmt"] == 435.6 and created["Balance"] == 435.6
    replay = qbo_api.post("/invoice", params={"requestid": "r-1"}, json=NEW_INVOICE)
    assert replay.json()["Invoice"]["Id"] == created["Id"]
    assert query(qbo_api, "SELECT count(*) FROM Invoice").json()["QueryResponse"]["totalCount"] == 301
    duplicate = qbo_api.post("/invoice", params={"requestid": "r-2"}, json=NEW_INVOICE)
    assert duplicate.status_code == 400 and duplicate.json()["Fault"]["Error"][0]["code"] == "6140"


def test_invoice_faults_use_the_documented_codes(qbo_api):
    bad_customer = qbo_api.post("/invoice", json={**NEW_INVOICE, "CustomerRef": {"value": "999"}, "DocNumber": ""})
    assert bad_customer.json()["Fault"]["Error"][0]["code"] == "2500"
    no_lines = qbo_api.post("/invoice", json={"CustomerRef": {"value": "2"}})
    assert no_lines.json()["Fault"]["Error"][0]["code"] == "2020"
    current = qbo_api.get("/invoice/7").json()["Invoice"]
    stale = qbo_api.post("/invoice", json={"Id": "7", "SyncToken": "99", "sparse": True, "PrivateNote": "x"})
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"
    updated = qbo_api.post(
        "/invoice", json={"Id": "7", "SyncToken": current["SyncToken"], "sparse": True, "PrivateNote": "checked"}
    )
    assert updated.json()["Invoice"]["SyncToken"] == str(int(current["SyncToken"]) + 1)
    missing = qbo_api.get("/invoice/99999")
    assert missing.status_code == 400 and missing.json()["Fault"]["Error"][0]["code"] == "610"


def test_void_zeroes_the_amounts_and_keeps_the_lines(qbo_api):
    current = qbo_api.get("/invoice/8").json()["Invoice"]
    voided = qbo_api.post(
        "/invoice", params={"operation": "void"}, json={"Id": "8", "SyncToken": current["SyncToken"]}
    ).json()["Invoice"]
    assert voided["TotalAmt"] == 0 and voided["Balance"] == 0 and voided["PrivateNote"] == "Voided"
    assert len(voided["Line"]) == len(current["Line"])


# ---- throttles and faults ------------------------------------------------------------------


def test_past_the_minute_budget_the_answer_is_429_throttle_exceeded():
    sim = start_simulator(per_minute=5)
    try:
        tokens = obtain_tokens(sim)
        url = f"{sim.url}/v3/company/{tokens['realm_id']}/companyinfo/{tokens['realm_id']}"
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        answers = [httpx.get(url, headers=headers) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert answers[-1].json()["Fault"]["Error"][0]["code"] == "003001"
        assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
        sim.advance(61)
        assert httpx.get(url, headers=headers).status_code == 200
    finally:
        sim.stop()


def test_more_than_10_in_flight_per_company_is_throttled(qbo_sim, qbo_tokens):
    qbo_sim.faults.add("timeout", seconds=1.5, times=12)
    url = f"{qbo_sim.url}/v3/company/{qbo_tokens['realm_id']}/companyinfo/{qbo_tokens['realm_id']}"
    clients = [httpx.Client(headers={"Authorization": f"Bearer {qbo_tokens['access_token']}"}) for _ in range(12)]
    start = threading.Barrier(12)
    statuses: list[int] = []

    def call(client: httpx.Client) -> None:
        start.wait()
        statuses.append(client.get(url).status_code)

    threads = [threading.Thread(target=call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert statuses.count(200) == 10 and statuses.count(429) == 2


def test_injected_faults(qbo_sim, qbo_tokens, qbo_api):
    info = f"/companyinfo/{qbo_tokens['realm_id']}"
    qbo_sim.faults.add("5xx", status=503)
    failed = qbo_api.get(info)
    assert failed.status_code == 503 and failed.json()["Fault"]["type"] == "SystemFault"
    qbo_sim.faults.add("malformed")
    with pytest.raises(json.JSONDecodeError):
        qbo_api.get(info).json()
    qbo_sim.faults.add("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        qbo_api.get(info)
    qbo_sim.faults.add("429", retry_after=7)
    assert qbo_api.get(info).headers["Retry-After"] == "7"
    qbo_sim.faults.add("timeout", seconds=0.6)
    with pytest.raises(httpx.ReadTimeout):
        qbo_api.get(info, timeout=0.2)
    qbo_sim.faults.add("token_expiry", path="/query")
    assert qbo_api.get(info).status_code == 200  # the fault waits for its path
    assert query(qbo_api, "SELECT * FROM Item").status_code == 401
    assert qbo_api.get(info).status_code == 401  # the token really expired


def test_faults_can_be_injected_over_http(qbo_sim, qbo_api, qbo_tokens):
    added = httpx.post(f"{qbo_sim.url}/_sim/faults", json={"kind": "5xx", "status": 500, "after": 1})
    assert added.status_code == 201
    assert qbo_api.get(f"/companyinfo/{qbo_tokens['realm_id']}").status_code == 200
    assert qbo_api.get(f"/companyinfo/{qbo_tokens['realm_id']}").status_code == 500
    assert httpx.get(f"{qbo_sim.url}/_sim/faults").json()["fired"] == {"5xx": 1}
    refused = httpx.post(f"{qbo_sim.url}/_sim/faults", json={"kind": "meteor"})
    assert refused.status_code == 400 and "Unknown fault kind" in refused.text
    assert httpx.post(f"{qbo_sim.url}/_sim/faults", json={"kind": "5xx", "colour": "red"}).status_code == 400


# ---- webhooks ------------------------------------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers.get("intuit-signature", "")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/quickbooks/", Receiver.received
    server.shutdown()
    server.server_close()


def wait_for(items: list, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(items) < count and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("format", ["cloudevents", "legacy"])
def test_changes_are_delivered_signed_with_the_verifier_token(qbo_sim, receiver, format):
    url, received = receiver
    qbo_sim.webhooks.configure(url, "verifier-123", format)
    qbo_sim.change_invoice(3)
    qbo_sim.delete_invoice(4)
    wait_for(received, 1)
    body, signature = received[0]
    expected = base64.b64encode(hmac.new(b"verifier-123", body, hashlib.sha256).digest()).decode()
    assert signature == expected
    payload = json.loads(body)
    realm = qbo_sim.realm_ids[0]
    if format == "cloudevents":
        assert [(e["type"], e["intuitentityid"], e["intuitaccountid"]) for e in payload] == [
            ("qbo.invoice.updated.v1", "4", realm),
            ("qbo.invoice.deleted.v1", "5", realm),
        ]
        assert payload[0]["specversion"] == "1.0"
    else:
        notification = payload["eventNotifications"][0]
        assert notification["realmId"] == realm
        assert [(e["name"], e["id"], e["operation"]) for e in notification["dataChangeEvent"]["entities"]] == [
            ("Invoice", "4", "Update"),
            ("Invoice", "5", "Delete"),
        ]


def test_the_invoice_page_opens_an_invoice(qbo_sim):
    page = httpx.get(f"{qbo_sim.url}/app/invoice", params={"txnId": "5"})
    invoice = qbo_sim.company().books.invoice(4)
    assert page.status_code == 200 and f"Invoice {invoice['DocNumber']}" in page.text
    assert invoice["CustomerRef"]["name"] in page.text
    assert httpx.get(f"{qbo_sim.url}/app/invoice", params={"txnId": "99999"}).status_code == 404
