"""The Xero simulator behaves like Xero: OAuth2 + PKCE, rotating refresh tokens, tenants,
If-Modified-Since, paging, rate limits and injected faults."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from billingone.integrations.providers.xero.simulator.consent import approve, pkce_pair

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SCOPE


def token(sim, **form):
    return httpx.post(sim.url + "/connect/token", auth=(CLIENT_ID, CLIENT_SECRET), data=form)


def code_for(sim, challenge, tenant_ids=None):
    location = approve(
        sim.url,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT_URI,
        scope=SCOPE,
        state="s1",
        challenge=challenge,
        tenant_ids=tenant_ids,
    )
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def test_code_exchange_checks_pkce_and_is_single_use(xero_sim):
    verifier, challenge = pkce_pair()
    code = code_for(xero_sim, challenge)
    wrong = token(
        xero_sim, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=pkce_pair()[0]
    )
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant"}
    # the code was burnt by the failed attempt, as Xero does
    retry = token(
        xero_sim, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    )
    assert retry.status_code == 400
    code = code_for(xero_sim, challenge)
    ok = token(xero_sim, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier)
    assert ok.status_code == 200 and ok.json()["expires_in"] == 1800 and ok.json()["refresh_token"]


def test_unregistered_redirect_and_bad_client_are_refused(xero_sim):
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "https://evil.example/cb",
        "scope": SCOPE,
        "state": "x",
        "code_challenge": "abc",
        "code_challenge_method": "S256",
    }
    page = httpx.get(xero_sim.url + "/identity/connect/authorize", params=params)
    assert page.status_code == 400 and "redirect_uri" in page.text
    bad = httpx.post(xero_sim.url + "/connect/token", auth=(CLIENT_ID, "wrong"), data={"grant_type": "refresh_token"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    in_body = {"grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": "wrong"}
    assert httpx.post(xero_sim.url + "/connect/token", data=in_body).json()["error"] == "invalid_client"
    without_secret = {"grant_type": "refresh_token", "client_id": CLIENT_ID}
    assert httpx.post(xero_sim.url + "/connect/token", data=without_secret).status_code == 401


def test_client_credentials_in_the_form_body_are_accepted(xero_sim, xero_tokens):
    form = {
        "grant_type": "refresh_token",
        "refresh_token": xero_tokens["refresh_token"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    refreshed = httpx.post(xero_sim.url + "/connect/token", data=form)
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != xero_tokens["refresh_token"]


def test_consent_page_lists_organisations_and_can_be_denied(xero_sim):
    _, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        "state": "st",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = httpx.get(xero_sim.url + "/identity/connect/authorize", params=params)
    assert "Demo MSP Pty Ltd" in page.text and "Demo MSP Training Co" in page.text
    denied = httpx.post(xero_sim.url + "/identity/connect/authorize/consent", data={**params, "decision": "deny"})
    assert denied.status_code == 302
    assert parse_qs(urlsplit(denied.headers["Location"]).query) == {"error": ["access_denied"], "state": ["st"]}


def test_only_the_chosen_organisation_is_connected(xero_sim):
    verifier, challenge = pkce_pair()
    second = xero_sim.tenant_ids[1]
    code = code_for(xero_sim, challenge, tenant_ids=[second])
    tokens = token(
        xero_sim, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert [c["tenantId"] for c in httpx.get(xero_sim.url + "/connections", headers=headers).json()] == [second]
    other = httpx.get(
        xero_sim.url + "/api.xro/2.0/Invoices", headers={**headers, "xero-tenant-id": xero_sim.tenant_ids[0]}
    )
    assert other.status_code == 403


def test_refresh_tokens_rotate_with_a_30_minute_grace(xero_sim, xero_tokens):
    first = xero_tokens["refresh_token"]
    rotated = token(xero_sim, grant_type="refresh_token", refresh_token=first).json()
    assert rotated["refresh_token"] != first
    xero_sim.advance(29 * 60)
    assert token(xero_sim, grant_type="refresh_token", refresh_token=first).status_code == 200
    xero_sim.advance(2 * 60)
    assert token(xero_sim, grant_type="refresh_token", refresh_token=first).json() == {"error": "invalid_grant"}


def test_access_tokens_expire_after_30_minutes(xero_sim, xero_api):
    assert xero_api.get("/Contacts").status_code == 200
    xero_sim.advance(1801)
    expired = xero_api.get("/Contacts")
    assert expired.status_code == 401 and expired.json()["Title"] == "Unauthorized"


def test_revocation_ends_the_grant(xero_sim, xero_tokens, xero_api):
    revoked = httpx.post(
        xero_sim.url + "/connect/revocation",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={"token": xero_tokens["refresh_token"]},
    )
    assert revoked.status_code == 200
    assert xero_api.get("/Invoices").status_code == 401
    again = token(xero_sim, grant_type="refresh_token", refresh_token=xero_tokens["refresh_token"])
    assert again.json() == {"error": "invalid_grant"}


def test_tenant_header_is_required(xero_api):
    response = xero_api.get("/Invoices", headers={"xero-tenant-id": ""})
    assert response.status_code == 403


def test_missing_scope_is_forbidden(xero_sim):
    verifier, challenge = pkce_pair()
    location = approve(
        xero_sim.url,
        client_id=CLIENT_ID,
        redirect_uri=REDIRECT_URI,
        scope="openid offline_access",
        state="s",
        challenge=challenge,
    )
    code = parse_qs(urlsplit(location).query)["code"][0]
    tokens = token(
        xero_sim, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI, code_verifier=verifier
    ).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "xero-tenant-id": xero_sim.tenant_ids[0]}
    assert httpx.get(xero_sim.url + "/api.xro/2.0/Invoices", headers=headers).status_code == 403


def test_if_modified_since_returns_changed_new_and_voided(xero_sim, xero_api):
    since = datetime.fromtimestamp(xero_sim.clock(), tz=UTC) - timedelta(seconds=1)
    changed = xero_sim.change_invoice(10)
    voided = xero_sim.void_invoice(20)
    new = xero_sim.add_invoice()
    for header in (since.isoformat(), since.strftime("%a, %d %b %Y %H:%M:%S GMT")):
        body = xero_api.get("/Invoices", params={"page": 1}, headers={"If-Modified-Since": header}).json()
        statuses = {invoice["InvoiceNumber"]: invoice["Status"] for invoice in body["Invoices"]}
        assert statuses.keys() == {changed["InvoiceNumber"], voided["InvoiceNumber"], new["InvoiceNumber"]}
        assert statuses[voided["InvoiceNumber"]] == "VOIDED" and statuses[new["InvoiceNumber"]] == "AUTHORISED"
    everything = xero_api.get("/Invoices", params={"page": 1, "pageSize": 1000}).json()
    assert everything["pagination"]["itemCount"] == 301


def test_paging_is_1_based_and_capped_at_1000(xero_sim, xero_api):
    first = xero_api.get("/Invoices", params={"page": 1, "pageSize": 100}).json()
    third = xero_api.get("/Invoices", params={"page": 3, "pageSize": 100}).json()
    assert first["pagination"]["pageCount"] == 3 and len(third["Invoices"]) == 100
    assert not {i["InvoiceID"] for i in first["Invoices"]} & {i["InvoiceID"] for i in third["Invoices"]}
    huge = xero_api.get("/Invoices", params={"page": 1, "pageSize": 5000}).json()
    assert huge["pagination"]["pageSize"] == 1000
    past = xero_api.get("/Invoices", params={"page": 9, "pageSize": 100}).json()
    assert past["Invoices"] == []
    sales = xero_api.get("/Invoices", params={"page": 1, "pageSize": 1000, "where": 'Type=="ACCREC"'}).json()
    assert {i["Type"] for i in sales["Invoices"]} == {"ACCREC"}


def test_rate_headers_and_minute_limit(xero_sim, xero_api):
    xero_sim.limits.per_minute = 3
    remaining = [xero_api.get("/Contacts").headers["X-MinLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = xero_api.get("/Contacts")
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Problem"] == "minute" and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "x-daylimit-remaining" in limited.headers and "x-appminlimit-remaining" in limited.headers
    xero_sim.advance(61)
    assert xero_api.get("/Contacts").status_code == 200


def test_daily_limit(xero_sim, xero_api):
    xero_sim.limits.use_day_budget(xero_sim.tenant_ids[0], 4999)
    assert xero_api.get("/Contacts").headers["X-DayLimit-Remaining"] == "0"
    limited = xero_api.get("/Contacts")
    assert limited.status_code == 429 and limited.headers["X-Rate-Limit-Problem"] == "day"


def test_concurrency_limit(xero_sim, xero_api):
    xero_sim.faults.add("timeout", times=5, seconds=0.6)
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(xero_api.get("/Contacts").status_code)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [429]
    assert xero_sim.limits.max_in_flight == 5


def test_injected_faults(xero_sim, xero_api):
    xero_sim.faults.add("5xx", path="/Invoices", status=503)
    failed = xero_api.get("/Invoices")
    assert failed.status_code == 503 and failed.json()["Type"] == "ServiceUnavailable"
    assert "X-MinLimit-Remaining" in failed.headers
    xero_sim.faults.add("malformed", path="/Invoices")
    broken = xero_api.get("/Invoices")
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        broken.json()
    xero_sim.faults.add("429", retry_after=3)
    limited = xero_api.get("/Contacts")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert limited.headers["X-Rate-Limit-Problem"] == "minute"
    xero_sim.faults.add("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        xero_api.get("/Contacts")
    assert xero_api.get("/Invoices").status_code == 200
    xero_sim.faults.add("token_expiry")
    expired = xero_api.get("/Contacts")
    assert expired.status_code == 401 and expired.json()["Detail"].startswith("TokenExpired")
    assert xero_api.get("/Contacts").status_code == 401  # the token really expired: renew it
    assert xero_sim.faults.state()["fired"] == {"5xx": 1, "malformed": 1, "429": 1, "drop": 1, "token_expiry": 1}


def test_control_endpoint_injects_and_mutates(xero_sim, xero_api):
    assert httpx.post(xero_sim.url + "/_sim/faults", json={"kind": "5xx", "status": 500}).status_code == 201
    assert xero_api.get("/Contacts").status_code == 500
    assert httpx.post(xero_sim.url + "/_sim/faults", json={"kind": "nope"}).status_code == 400
    assert httpx.post(xero_sim.url + "/_sim/faults", json={"kind": "5xx", "colour": "red"}).status_code == 400
    httpx.post(xero_sim.url + "/_sim/faults", data={"kind": "429", "times": "2", "path": "/Contacts"})
    pending = httpx.get(xero_sim.url + "/_sim/faults").json()
    assert pending["pending"][0]["times"] == 2 and pending["fired"] == {"5xx": 1}
    assert httpx.delete(xero_sim.url + "/_sim/faults").json() == {"cleared": 1}
    mutated = httpx.post(xero_sim.url + "/_sim/mutate", json={"change": 2, "void": 1, "new": 1}).json()
    assert len(mutated["changed"]) == 2 and len(mutated["new"]) == 1
    state = httpx.get(xero_sim.url + "/_sim/state").json()
    assert state["tenants"][0]["invoices"] == 301 and state["calls"] >= 1


def test_invoice_viewer_page(xero_sim, xero_api):
    invoice = xero_api.get("/Invoices", params={"page": 1}).json()["Invoices"][5]
    page = httpx.get(xero_sim.url + "/AccountsReceivable/View.aspx", params={"InvoiceID": invoice["InvoiceID"]})
    assert page.status_code == 200 and invoice["InvoiceNumber"] in page.text


def test_page_change_fault_changes_data_between_pages(xero_sim, xero_api):
    xero_sim.faults.add("page_change", path="/Invoices", after=1)
    first = xero_api.get("/Invoices", params={"page": 1, "pageSize": 100}).json()["Invoices"]
    xero_api.get("/Invoices", params={"page": 2, "pageSize": 100})
    again = xero_api.get("/Invoices", params={"page": 1, "pageSize": 100}).json()["Invoices"]
    changed = [(a, b) for a, b in zip(first, again, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1]["Type"] == "ACCREC"
    assert changed[0][1]["UpdatedDateUTC"] > changed[0][0]["UpdatedDateUTC"]
