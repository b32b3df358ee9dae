"""SuperOps on the web and the mobile API, from the neutral model: the connect form (region as a
choice, the token write-only, diagnostics at their field), the Integrations list and API with the
`invoices` action, connect refused on the API (web only), its invoices with `source: superops`,
its clients on the Clients page beside Pax8's companies; tenancy and roles on its settings page."""

from __future__ import annotations

from billingone.billing.models import ClientLink, Customer
from billingone.integrations.models import Connection
from billingone.integrations.providers.superops.testing import BAD_TOKEN, GOOD
from billingone.integrations.testing import PAX8_GOOD, connect, run_sync, running_pax8
from billingone.orgs.roles import Role
from billingone.testing.tasks import run_pending_tasks

PAGE = "/org-a/settings/integrations/superops/"


def test_the_form_tests_then_saves_and_never_shows_the_token(superops_sim, personas, client_for):
    client = client_for(personas.alice)
    form = client.get(PAGE).content.decode()
    assert 'name="region"' in form and "EU (euapi.superops.ai)" in form and 'name="api_token"' in form
    rejected = client.post(PAGE, {**BAD_TOKEN, "action": "test"}).content.decode()
    assert "SuperOps rejected this API token" in rejected and BAD_TOKEN["api_token"] not in rejected
    wrong = client.post(PAGE, {**GOOD, "subdomain": "acme", "action": "test"}).content.decode()
    assert "does not know the customer subdomain" in wrong
    saved = client.post(PAGE, {**GOOD, "action": "save"}, follow=True).content.decode()
    assert "SuperOps is connected; the first sync has started" in saved
    connection = Connection.objects.get(organization=personas.org_a, provider="superops")
    assert connection.get_credentials() == GOOD
    again = client.get(PAGE).content.decode()
    assert GOOD["api_token"] not in again and "Saved — leave blank to keep it" in again
    assert 'value="demomsp"' in again and '<option value="us" selected>' in again


def test_listed_with_the_invoices_action_and_connect_is_web_only(superops_sim, personas, client_for):
    api = client_for(personas.alice)
    listed = next(i for i in api.get("/api/v1/orgs/org-a/integrations").json()["items"] if i["provider"] == "superops")
    assert listed["status"] == "not_connected" and listed["modes"] == ["invoices", "full"]
    refused = api.post("/api/v1/orgs/org-a/integrations/superops/connect", GOOD, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "web_only"
    assert refused.json()["error"]["web_url"].endswith(PAGE)

    connect(personas.org_a, "superops", dict(GOOD))
    queued = api.post(
        "/api/v1/orgs/org-a/integrations/superops/sync", {"mode": "invoices"}, content_type="application/json"
    )
    assert queued.status_code == 202
    run_pending_tasks()
    detail = api.get("/api/v1/orgs/org-a/integrations/superops").json()
    assert detail["status"] == "connected" and detail["last_sync"]
    assert [a for a in detail["actions"] if a.startswith("sync:")] == ["sync:invoices", "sync:full"]
    assert "Sync invoices" in api.get("/org-a/settings/integrations/").content.decode()


def test_invoices_come_back_with_their_source_and_lines(superops_sim, personas, client_for):
    connect(personas.org_a, "superops", dict(GOOD))
    assert run_sync(personas.org_a, "superops").status == "succeeded"
    api = client_for(personas.alice)
    invoices = api.get("/api/v1/orgs/org-a/invoices?source=superops").json()
    assert invoices["items"] and {item["source"] for item in invoices["items"]} == {"superops"}
    first = invoices["items"][0]
    detail = api.get(f"/api/v1/orgs/org-a/invoices/{first['id']}").json()
    expected = superops_sim.tenant("us").items[next(k for k, v in superops_sim.tenant("us").invoices.items()
                                                     if v["displayId"] == first["number"])]  # fmt: skip
    assert [line["description"] for line in detail["lines"]] == [item["details"] for item in expected]
    page = api.get("/org-a/invoices/?source=superops").content.decode()
    assert first["number"] in page and "SuperOps" in page


def test_its_clients_are_linkable_beside_pax8s_companies(superops_sim, personas, client_for, settings):
    connect(personas.org_a, "superops", dict(GOOD))
    assert run_sync(personas.org_a, "superops").status == "succeeded"
    with running_pax8(settings) as _pax8:
        connect(personas.org_a, "pax8", dict(PAX8_GOOD))
        assert run_sync(personas.org_a, "pax8").status == "succeeded"
    superops_customers = Customer.objects.filter(organization=personas.org_a, source="superops")
    # Each SuperOps client is a client of the MSP; Pax8's companies are offered as links to them.
    assert ClientLink.objects.filter(customer__in=superops_customers).count() == superops_customers.count()
    pax8_links = ClientLink.objects.filter(organization=personas.org_a, customer__source="pax8")
    assert pax8_links.exists()
    assert set(pax8_links.values_list("client_id", flat=True)) <= set(
        ClientLink.objects.filter(customer__in=superops_customers).values_list("client_id", flat=True)
    )
    page = client_for(personas.alice).get("/org-a/clients/").content.decode()
    assert "SuperOps" in page


def test_its_settings_page_keeps_to_the_organization_and_the_role(superops_sim, personas, client_for):
    assert client_for(personas.charlie).get(PAGE).status_code == 404  # Org B's owner
    assert client_for(personas.member(Role.VIEWER)).get(PAGE).status_code == 403
    assert client_for(personas.member(Role.VIEWER)).post(PAGE, {**GOOD, "action": "save"}).status_code == 403
    assert not Connection.objects.filter(provider="superops", status="connected").exists()
