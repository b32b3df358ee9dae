"""Clients: accounting contacts become clients, vendor companies get suggestions by evidence
(name, domain, alias, similar name), a person confirms or rejects; rejected pairs stay rejected;
Finance+ act, others read; outsiders get 404."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from billingone.audit.models import AuditEvent
from billingone.billing import client_flows, matching
from billingone.billing.models import Client, ClientLink, Customer
from billingone.billing.names import normalise
from billingone.integrations.base import Side


def customer(org, source, name, *, website="", email="", is_client=True):
    from billingone.billing.names import domains_of

    return Customer.objects.create(
        organization=org,
        source=source,
        external_id=f"{source}-{name}",
        name=name,
        normalized_name=normalise(name),
        website=website,
        email=email,
        domains=" ".join(domains_of(email=email, website=website)),
        is_client=is_client,
        fingerprint="x",
    )


@pytest.fixture
def world(personas):
    org = personas.org_a
    contacts = {
        "cedar": customer(org, "xero", "CEDAR DENTAL", email="accounts@cedardental.com.au"),
        "harbor": customer(org, "xero", "Harbor Legal", email="ap@gmail.com"),
        "summit": customer(org, "xero", "The Summit Group", email="billing@summitfreight.com"),
        "maple": customer(org, "xero", "Maple Accountng Group"),
        "supplier": customer(org, "xero", "Nobody Knows Co", is_client=False),
    }
    matching.match_source(org, "xero", Side.BILLING)
    companies = {
        "cedar": customer(org, "pax8", "Cedar Dental Pty Ltd", website="https://www.cedardental.com.au"),
        "harbor": customer(org, "pax8", "Harbor Legal Inc.", website="https://www.harborlegal.com"),
        "summit": customer(org, "pax8", "Summit Freight LLC", website="https://www.summitfreight.com"),
        "maple": customer(org, "pax8", "Maple Accounting Group"),
        "lonely": customer(org, "pax8", "Nobody Knows"),
    }
    customer(personas.org_b, "pax8", "Cedar Dental Pty Ltd")
    matching.match_source(org, "pax8", Side.VENDOR)
    return contacts, companies


def suggestion(row) -> ClientLink | None:
    return ClientLink.objects.filter(customer=row, state="suggested").select_related("client").first()


def test_accounting_contacts_become_clients_and_suppliers_do_not(world, personas):
    contacts, _ = world
    names = set(Client.objects.filter(organization=personas.org_a).values_list("name", flat=True))
    assert names == {"CEDAR DENTAL", "Harbor Legal", "The Summit Group", "Maple Accountng Group"}
    assert Customer.objects.get(pk=contacts["cedar"].pk).client.name == "CEDAR DENTAL"
    assert Customer.objects.get(pk=contacts["supplier"].pk).client is None


def test_suggestions_by_evidence_with_confidence_and_reason(world):
    _, companies = world
    cedar = suggestion(companies["cedar"])
    assert (cedar.client.name, cedar.confidence) == ("CEDAR DENTAL", 100) and "domain" in cedar.reason
    assert (suggestion(companies["harbor"]).confidence, suggestion(companies["harbor"]).reason) == (95, "Same name")
    summit = suggestion(companies["summit"])
    assert summit.client.name == "The Summit Group" and summit.confidence == 90  # webmail never counts, domains do
    maple = suggestion(companies["maple"])
    assert maple.client.name == "Maple Accountng Group" and 70 <= maple.confidence < 90
    assert suggestion(companies["lonely"]) is None  # a supplier-only contact is not a client


def test_nothing_is_linked_without_a_person(world):
    _, companies = world
    assert all(Customer.objects.get(pk=c.pk).client_id is None for c in companies.values())


def test_matching_again_changes_nothing_and_a_rejection_sticks(world, personas):
    _, companies = world
    before = ClientLink.objects.count()
    assert matching.match_source(personas.org_a, "pax8", Side.VENDOR) == 0
    assert ClientLink.objects.count() == before
    ClientLink.objects.filter(customer=companies["harbor"]).update(state="rejected")
    matching.match_source(personas.org_a, "pax8", Side.VENDOR)
    assert suggestion(companies["harbor"]) is None


def test_matching_costs_the_same_few_queries_for_many_customers(personas, django_assert_max_num_queries):
    org = personas.org_a
    Customer.objects.bulk_create(
        [
            Customer(
                organization=org,
                source="xero",
                external_id=f"x{i}",
                name=f"Client {i}",
                normalized_name=f"client {i}",
                fingerprint="x",
            )
            for i in range(300)
        ]
    )
    with django_assert_max_num_queries(12):
        matching.match_source(org, "xero", Side.BILLING)
    Customer.objects.bulk_create(
        [
            Customer(
                organization=org,
                source="pax8",
                external_id=f"p{i}",
                name=f"Client {i} Pty Ltd",
                normalized_name=f"client {i}",
                fingerprint="x",
            )
            for i in range(300)
        ]
    )
    with django_assert_max_num_queries(12):
        matching.match_source(org, "pax8", Side.VENDOR)
    assert ClientLink.objects.filter(organization=org, state="suggested").count() == 300


def test_page_confirms_rejects_and_links_by_hand(world, personas, client_for):
    contacts, companies = world
    finance = client_for(personas.member("finance"))
    page = finance.get("/org-a/clients/").content.decode()
    assert "Cedar Dental Pty Ltd" in page and "Not linked to a client" in page
    link = suggestion(companies["cedar"])
    finance.post(f"/org-a/clients/links/{link.pk}/confirm/")
    assert Customer.objects.get(pk=companies["cedar"].pk).client_id == link.client_id
    assert AuditEvent.objects.filter(action="mapping.confirm", organization=personas.org_a).exists()
    maple = suggestion(companies["maple"])
    finance.post(f"/org-a/clients/links/{maple.pk}/reject/")
    assert ClientLink.objects.get(pk=maple.pk).state == "rejected"
    harbor_client = Customer.objects.get(pk=contacts["harbor"].pk).client
    finance.post(f"/org-a/clients/customers/{companies['lonely'].pk}/link/", {"client": harbor_client.pk})
    assert Customer.objects.get(pk=companies["lonely"].pk).client_id == harbor_client.pk
    assert "Nobody Knows" in Client.objects.get(pk=harbor_client.pk).aliases
    options = finance.get("/org-a/clients/search/", {"q": "harb"}).content.decode()
    assert "Harbor Legal" in options and "CEDAR" not in options


def test_confirm_all_high_confirms_one_per_customer(world, personas, client_for):
    _, companies = world
    client_for(personas.member("admin")).post("/org-a/clients/confirm-all/")
    confirmed = {c.pk for c in Customer.objects.filter(source="pax8", client__isnull=False)}
    assert {companies[k].pk for k in ("cedar", "harbor", "summit")} <= confirmed
    assert companies["maple"].pk not in confirmed  # below the threshold: a person decides


def test_auto_confirm_links_only_what_the_organization_chose_above_its_threshold(world, personas, client_for):
    _, companies = world
    finance = client_for(personas.member("finance"))
    assert finance.post("/org-a/clients/auto-confirm/", {"threshold": "90"}).status_code == 403
    assert client_for(personas.charlie).post("/org-a/clients/auto-confirm/", {"threshold": "90"}).status_code == 404
    owner = client_for(personas.alice)  # one test client, signed in as the last person asked for
    owner.post("/org-a/clients/auto-confirm/", {"threshold": "50"})  # too low: refused, stays off
    personas.org_a.refresh_from_db()
    assert personas.org_a.auto_confirm_links is None
    assert client_flows.auto_confirm(personas.org_a) == 0  # off: nothing is linked without a person
    owner.post("/org-a/clients/auto-confirm/", {"threshold": "95"})
    personas.org_a.refresh_from_db()
    assert personas.org_a.auto_confirm_links == 95
    assert client_flows.auto_confirm(personas.org_a) == 2  # what a sync does after matching
    linked = {c.pk for c in Customer.objects.filter(source="pax8", client__isnull=False)}
    assert linked == {companies["cedar"].pk, companies["harbor"].pk}  # summit (90) and maple wait
    actions = set(AuditEvent.objects.filter(organization=personas.org_a).values_list("action", flat=True))
    assert {"mapping.auto_confirm_policy", "mapping.auto_confirm"} <= actions
    page = owner.get("/org-a/clients/").content.decode()
    assert "Suggestions at 95% or more are linked at each sync" in page


def test_roles_and_outsiders(world, personas, client_for, app_token):
    _, companies = world
    link = suggestion(companies["cedar"])
    assert client_for(personas.bob).get("/org-a/clients/").status_code == 200
    assert client_for(personas.member("engineer")).post(f"/org-a/clients/links/{link.pk}/confirm/").status_code == 403
    assert client_for(personas.charlie).get("/org-a/clients/").status_code == 404
    assert client_for(personas.charlie).post(f"/org-a/clients/links/{link.pk}/confirm/").status_code == 404
    api = HttpClient(HTTP_X_SESSION_TOKEN=app_token(personas.charlie))
    assert api.get("/api/v1/orgs/org-a/clients").status_code == 404


def test_api_lists_clients_and_confirms_a_link(world, personas, app_token):
    world  # noqa: B018 - the fixture builds the data
    api = HttpClient(HTTP_X_SESSION_TOKEN=app_token(personas.member("finance")))
    body = api.get("/api/v1/orgs/org-a/clients", {"linked": "suggested"}).json()
    cedar = next(item for item in body["items"] if item["name"] == "CEDAR DENTAL")
    pending = next(link for link in cedar["links"] if link["state"] == "suggested")
    assert pending["source"] == "pax8" and pending["confidence"] == 100
    url = f"/api/v1/orgs/org-a/clients/{cedar['id']}/links/{pending['id']}/confirm"
    assert api.post(url).json()["state"] == "confirmed"
    wrong_client = f"/api/v1/orgs/org-a/clients/999999/links/{pending['id']}/reject"
    assert api.post(wrong_client).status_code == 404
    assert api.post(f"/api/v1/orgs/org-a/clients/{cedar['id']}/links/²/confirm").status_code == 404
    assert api.get("/api/v1/orgs/org-a/clients", {"linked": "maybe"}).status_code == 422
    viewer = HttpClient(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    assert viewer.post(url).status_code == 403


def test_numbered_siblings_and_clients_taken_in_that_source_are_not_suggested(personas):
    org = personas.org_a
    customer(org, "xero", "Client 1")
    matching.match_source(org, "xero", Side.BILLING)
    customer(org, "xero", "Client 10")  # another company, another number: its own client
    customer(org, "xero", "CLIENT 1 PTY LTD")  # same name, but Client 1 already has its Xero contact
    matching.match_source(org, "xero", Side.BILLING)
    assert Client.objects.filter(organization=org).count() == 3
    assert not ClientLink.objects.filter(organization=org, state="suggested").exists()
    vendor = customer(org, "pax8", "Client 1 Ltd")
    matching.match_source(org, "pax8", Side.VENDOR)
    assert suggestion(vendor).client.normalized_name == "client 1"  # either of the two same-named clients
