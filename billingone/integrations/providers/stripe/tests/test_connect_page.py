"""Connecting Stripe on the web: Test Connection and Save with a restricted key, per-field
diagnostics, the key never rendered back or audited; the API refuses connect (web only)."""

from __future__ import annotations

from billingone.audit.models import AuditEvent
from billingone.integrations.models import Connection
from billingone.integrations.providers.stripe.simulator.keys import DEMO_NO_PERMISSION_KEY, DEMO_RESTRICTED_KEY

PAGE = "/org-a/settings/integrations/stripe/"


def test_test_then_save_a_restricted_key(stripe_sim, personas, client_for):
    client = client_for(personas.alice)
    tested = client.post(PAGE, {"api_key": DEMO_RESTRICTED_KEY, "action": "test"}).content.decode()
    assert "Connected to Stripe" in tested and DEMO_RESTRICTED_KEY not in tested
    saved = client.post(PAGE, {"api_key": DEMO_RESTRICTED_KEY, "action": "save"}, follow=True)
    assert "Stripe is connected" in saved.content.decode()
    connection = Connection.objects.get(organization=personas.org_a, provider="stripe")
    assert connection.is_connected and connection.get_credentials()["api_key"] == DEMO_RESTRICTED_KEY
    page = client.get(PAGE).content.decode()
    assert DEMO_RESTRICTED_KEY not in page and "Saved — leave blank to keep it" in page
    assert f"http://testserver/webhooks/stripe/{personas.org_a.public_id}/" in page  # what to paste into Stripe
    events = AuditEvent.objects.filter(organization=personas.org_a, action__startswith="integration.")
    assert events.exists() and not any(DEMO_RESTRICTED_KEY in str(event.data) for event in events)


def test_diagnostics_show_at_the_key_field_and_nothing_is_saved(stripe_sim, personas, client_for, settings):
    client = client_for(personas.alice)
    missing = client.post(PAGE, {"api_key": DEMO_NO_PERMISSION_KEY, "action": "save"}).content.decode()
    assert "Payment Links: Read" in missing
    settings.STRIPE_TEST_MODE_ORGS = []
    wrong_mode = client.post(PAGE, {"api_key": DEMO_RESTRICTED_KEY, "action": "save"}).content.decode()
    assert "test-mode key" in wrong_mode
    assert not Connection.objects.filter(organization=personas.org_a, provider="stripe", status="connected").exists()


def test_api_connect_is_web_only(stripe_sim, personas, client_for):
    answer = client_for(personas.alice).post(
        "/api/v1/orgs/org-a/integrations/stripe/connect",
        {"api_key": DEMO_RESTRICTED_KEY},
        content_type="application/json",
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "web_only"


def test_integrations_api_lists_stripe_with_refresh_only(stripe_sim, personas, client_for):
    client = client_for(personas.alice)
    items = client.get("/api/v1/orgs/org-a/integrations").json()["items"]
    stripe = next(item for item in items if item["provider"] == "stripe")
    assert stripe["status"] == "not_connected" and stripe["modes"] == ["full"]
    client.post(PAGE, {"api_key": DEMO_RESTRICTED_KEY, "action": "save"})
    stripe = client.get("/api/v1/orgs/org-a/integrations/stripe").json()
    assert stripe["status"] == "connected" and [a for a in stripe["actions"] if a.startswith("sync:")] == ["sync:full"]
    assert "Refresh" in client.get("/org-a/settings/integrations/").content.decode()


def test_refresh_from_the_payment_links_page(stripe_sim, personas, client_for):
    from billingone.billing.models import PaymentLink
    from billingone.testing.tasks import run_pending_tasks

    client_for(personas.alice).post(PAGE, {"api_key": DEMO_RESTRICTED_KEY, "action": "save"})
    engineer = client_for(personas.member("engineer"))
    page = engineer.get("/org-a/payment-links/").content.decode()
    assert "Refresh from Stripe" in page and "No payment links synced yet." in page
    answer = engineer.post(
        "/org-a/settings/integrations/stripe/sync/", {"mode": "full", "next": "/org-a/payment-links/"}, follow=True
    )
    assert answer.redirect_chain[-1][0] == "/org-a/payment-links/"
    assert 'data-testid="sync-progress"' in answer.content.decode()
    run_pending_tasks()
    assert PaymentLink.objects.filter(organization=personas.org_a).count() == len(stripe_sim.data(False).links)
    assert stripe_sim.data(False).links[0]["url"] in engineer.get("/org-a/payment-links/").content.decode()
