"""Client-to-company mapping: suggestions by normalised name and email domain, confirm or change
one by one, confirm all high-confidence ones, filter unmapped; Finance+ edit, others read."""

from __future__ import annotations

import pytest
from django.test import Client

from billingone.audit.models import AuditEvent
from billingone.billing.mapping import normalise, refresh_suggestions
from billingone.billing.models import ClientMapping, Pax8Company, XeroContact


def company(org, name, website=""):
    return Pax8Company.objects.create(
        organization=org, pax8_id=f"p-{name}", name=name, website=website, fingerprint="x"
    )


def contact(org, name, email="", supplier=False):
    return XeroContact.objects.create(
        organization=org, xero_id=f"x-{name}", name=name, email=email, is_supplier=supplier, fingerprint="x"
    )


@pytest.fixture
def world(personas):
    org = personas.org_a
    rows = {
        "cedar": company(org, "Cedar Dental Pty Ltd", "https://www.cedardental.com.au"),
        "harbor": company(org, "Harbor Legal Inc.", "https://www.harborlegal.com"),
        "summit": company(org, "Summit Freight LLC", "https://www.summitfreight.com"),
        "maple": company(org, "Maple Accounting Group", "https://maplecpa.com"),
        "lonely": company(org, "Nobody Knows Co.", ""),
    }
    contacts = {
        "cedar": contact(org, "CEDAR DENTAL", "accounts@cedardental.com.au"),
        "harbor": contact(org, "Harbor Legal", "ap@gmail.com"),
        "summit": contact(org, "The Summit Group", "billing@summitfreight.com"),
        "maple": contact(org, "Maple Accountng Group", ""),
        "supplier": contact(org, "Nobody Knows Co", "x@nobody.com", supplier=True),
    }
    company(personas.org_b, "Cedar Dental Pty Ltd")
    refresh_suggestions(org)
    return rows, contacts


def mapping_of(row) -> ClientMapping:
    return ClientMapping.objects.get(company=row)


def test_normalise_drops_case_punctuation_and_legal_words():
    assert normalise("Cedar Dental Pty. Ltd.") == normalise("CEDAR DENTAL") == "cedar dental"
    assert normalise("Smith & Co") == "smith and"


def test_suggestions_with_confidence_and_reason(world):
    companies, contacts = world
    cedar = mapping_of(companies["cedar"])
    assert (cedar.contact, cedar.confidence, cedar.state) == (contacts["cedar"], 100, "suggested")
    assert "email domain" in cedar.reason
    harbor = mapping_of(companies["harbor"])
    assert (harbor.contact, harbor.confidence) == (contacts["harbor"], 95)  # webmail domains do not count
    summit = mapping_of(companies["summit"])
    assert (summit.contact, summit.confidence) == (contacts["summit"], 90)
    maple = mapping_of(companies["maple"])
    assert maple.contact == contacts["maple"] and 70 <= maple.confidence < 90 and "Similar name" in maple.reason
    lonely = mapping_of(companies["lonely"])
    assert lonely.state == "unmapped" and lonely.contact is None  # suppliers are never suggested


def test_confirm_change_and_unmap_one_by_one(world, personas, client_for):
    companies, contacts = world
    client = client_for(personas.member("finance"))
    cedar = mapping_of(companies["cedar"])
    assert client.post(f"/org-a/clients/{cedar.pk}/", {"action": "confirm"}).status_code == 302
    cedar.refresh_from_db()
    assert cedar.state == "confirmed" and cedar.confirmed_by == personas.member("finance")
    lonely = mapping_of(companies["lonely"])
    client.post(f"/org-a/clients/{lonely.pk}/", {"action": "change", "contact": contacts["maple"].pk})
    lonely.refresh_from_db()
    assert (lonely.contact, lonely.state, lonely.confidence) == (contacts["maple"], "confirmed", 100)
    client.post(f"/org-a/clients/{lonely.pk}/", {"action": "clear"})
    lonely.refresh_from_db()
    assert lonely.state == "unmapped" and lonely.contact is None
    actions = list(AuditEvent.objects.filter(organization=personas.org_a).values_list("action", flat=True))
    assert actions.count("mapping.confirm") == 1 and actions.count("mapping.change") == 2


def test_bad_input_is_a_clear_message_not_a_500(world, personas, client_for):
    companies, _ = world
    client = client_for(personas.alice)
    row = mapping_of(companies["lonely"])
    other_org_contact = contact(personas.org_b, "Elsewhere")
    for data in (
        {"action": "change", "contact": other_org_contact.pk},
        {"action": "change", "contact": "abc"},
        {"action": "confirm"},
        {"action": "explode"},
    ):
        response = client.post(f"/org-a/clients/{row.pk}/", data, follow=True)
        assert response.status_code == 200 and b"flash--error" in response.content
    assert client.post("/org-a/clients/999999/", {"action": "confirm"}).status_code == 404


def test_confirm_all_high_confidence(world, personas, client_for):
    companies, _ = world
    client_for(personas.alice).post("/org-a/clients/confirm-all/")
    states = {key: mapping_of(row).state for key, row in companies.items()}
    assert states == {
        "cedar": "confirmed",
        "harbor": "confirmed",
        "summit": "confirmed",
        "maple": "suggested",
        "lonely": "unmapped",
    }


def test_confirmed_pairs_survive_a_refresh(world, personas, client_for):
    companies, contacts = world
    maple = mapping_of(companies["maple"])
    client_for(personas.alice).post(
        f"/org-a/clients/{maple.pk}/", {"action": "change", "contact": contacts["cedar"].pk}
    )
    refresh_suggestions(personas.org_a)
    assert mapping_of(companies["maple"]).contact == contacts["cedar"]
    assert mapping_of(companies["cedar"]).contact is None  # the contact is taken


def test_page_filters_unmapped_and_viewers_only_read(world, personas, client_for):
    page = client_for(personas.bob).get("/org-a/clients/?state=unmapped").content.decode()
    assert "Nobody Knows Co." in page and "Cedar Dental" not in page
    assert "confirm-all" not in page and 'name="action"' not in page
    editor = client_for(personas.alice).get("/org-a/clients/").content.decode()
    assert 'data-testid="confirm-all"' in editor and "Confirm 3 high-confidence suggestions" in editor


def test_api_lists_mappings(world, personas, app_token):
    client = Client(HTTP_X_SESSION_TOKEN=app_token(personas.bob))
    body = client.get("/api/v1/orgs/org-a/client-mappings").json()
    assert body["count"] == 5
    cedar = next(item for item in body["items"] if item["company"]["name"] == "Cedar Dental Pty Ltd")
    assert cedar["contact"]["name"] == "CEDAR DENTAL" and cedar["confidence"] == 100 and cedar["state"] == "suggested"
    unmapped = client.get("/api/v1/orgs/org-a/client-mappings?state=unmapped").json()
    assert [item["company"]["name"] for item in unmapped["items"]] == ["Nobody Knows Co."]
    assert client.get("/api/v1/orgs/org-a/client-mappings?state=maybe").status_code == 422


def test_outsider_gets_404(world, personas, client_for, app_token):
    client = client_for(personas.charlie)
    row = mapping_of(world[0]["cedar"])
    assert client.get("/org-a/clients/").status_code == 404
    assert client.post(f"/org-a/clients/{row.pk}/", {"action": "confirm"}).status_code == 404
    assert client.post("/org-a/clients/confirm-all/").status_code == 404
    api = Client(HTTP_X_SESSION_TOKEN=app_token(personas.charlie))
    assert api.get("/api/v1/orgs/org-a/client-mappings").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "engineer"])
def test_insufficient_role_gets_403(world, personas, client_for, role):
    client = client_for(personas.member(role))
    row = mapping_of(world[0]["cedar"])
    assert client.post(f"/org-a/clients/{row.pk}/", {"action": "confirm"}).status_code == 403
    assert client.post("/org-a/clients/confirm-all/").status_code == 403
    assert mapping_of(world[0]["cedar"]).state == "suggested"


def test_simulated_pax8_and_xero_worlds_line_up(pax8_sim, xero_sim, personas):
    """The two simulators describe the same clients: most companies get a confident match."""
    from billingone.integrations.base import NullProgress, ProviderContext
    from billingone.integrations.models import Connection
    from billingone.integrations.providers.pax8.provider import Pax8
    from billingone.integrations.providers.xero.provider import Xero
    from billingone.integrations.providers.xero.testing import connect_xero
    from billingone.integrations.testing import connect_pax8

    connect_pax8(personas.alice, personas.org_a)
    Pax8(
        ProviderContext(
            organization=personas.org_a,
            credentials=Connection.objects.get(organization=personas.org_a, provider="pax8").get_credentials(),
            run_id=1,
        )
    ).sync("full", NullProgress())
    connection = connect_xero(personas.alice, personas.org_a, xero_sim)
    Xero(ProviderContext(organization=personas.org_a, credentials=connection.get_credentials(), run_id=2)).sync(
        "full", NullProgress()
    )
    rows = ClientMapping.objects.filter(organization=personas.org_a)
    assert rows.count() == Pax8Company.objects.filter(organization=personas.org_a).count() == 12
    assert rows.filter(confidence__gte=90).count() >= 8
    assert rows.filter(state="unmapped").exists() or rows.filter(confidence__lt=90).exists()
