"""Seed the demo organization and its members (idempotent; refused in production)."""

from django.core.management.base import BaseCommand, CommandError

from billingone.ops.demo import DEMO_MEMBERS, DEMO_PASSWORD, DemoRefused, seed_demo


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        try:
            organization = seed_demo()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Demo organization “{organization.name}” (/{organization.slug}/) ready."))
        for email, _, role in DEMO_MEMBERS:
            self.stdout.write(f"  {role.label:<9} {email}  password: {DEMO_PASSWORD}")
