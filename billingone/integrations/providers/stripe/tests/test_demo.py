"""`make run`'s demo: Stripe connected at the simulator in test mode, a first refresh queued."""

from __future__ import annotations

from billingone.billing.models import PaymentLink
from billingone.integrations.models import Connection, SyncRun
from billingone.integrations.providers.stripe.demo import wire_demo
from billingone.integrations.providers.stripe.testing import running_stripe
from billingone.testing.tasks import run_pending_tasks


def test_demo_connects_stripe_in_test_mode_and_fills_payment_links(personas, settings, client_for):
    with running_stripe(settings, "demo") as sim:  # the demo's sandbox, not Org A: its config says test
        run = wire_demo(personas.org_a, personas.alice)
        connection = Connection.objects.get(organization=personas.org_a, provider="stripe")
        assert connection.is_connected and connection.config["mode"] == "test"
        assert connection.get_credentials()["api_key"].startswith("rk_test_")
        assert run is not None and run.mode == "full" and run.status == SyncRun.Status.QUEUED
        assert wire_demo(personas.org_a, personas.alice) is None  # once
        run_pending_tasks()
        run.refresh_from_db()
        assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
        assert PaymentLink.objects.filter(organization=personas.org_a).count() == len(sim.data(False).links)
        page = client_for(personas.bob).get("/org-a/payment-links/").content.decode()
        assert sim.data(False).links[0]["metadata"]["client"] in page
        endpoint = f"/webhooks/stripe/{personas.org_a.public_id}/"
        assert [e.url for e in sim.webhooks.endpoints] == [settings.SITE_URL.rstrip("/") + endpoint]
        assert sim.webhooks.endpoints[0].secret == connection.get_credentials()["webhook_secret"]


def test_demo_leaves_stripe_alone_without_a_simulator(personas, settings):
    settings.STRIPE_API_URL = "https://api.stripe.com"
    assert wire_demo(personas.org_a, personas.alice) is None
    assert not Connection.objects.filter(organization=personas.org_a, provider="stripe").exists()
