"""Load the demo data (a second run keeps it; --reset starts again) and print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from fieldbox.accounts import demo
from fieldbox.commerce import demo as commerce_demo
from fieldbox.commerce import demo_invoicing, demo_prepaid
from fieldbox.fleet import demo as fleet_demo
from fieldbox.fleet.models import Customer
from fieldbox.jobs import demo as jobs_demo
from fieldbox.messaging import demo as messaging_demo
from fieldbox.removals import demo as removals_demo
from fieldbox.service import demo as service_demo
from fieldbox.service import demo_contracts, demo_plans, demo_verification
from fieldbox.service.models import Equipment


class Command(BaseCommand):
    help = "Load the demo organisations, partnerships and users; print the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete the demo data and load it again.")
        parser.add_argument("--code", action="store_true", help="Print the current two-factor code of the demo.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            if not (settings.DEMO or settings.DEBUG):
                raise CommandError("Only in the demo.")
            self.stdout.write(demo.current_code())
            return
        call_command("createcachetable", verbosity=0)
        if options["reset"]:
            companies = service_demo.companies()
            demo_invoicing.reset(companies)
            demo_prepaid.reset(companies)
            commerce_demo.reset(companies)
            demo_plans.reset(companies)
            demo_verification.reset(companies)
            demo_contracts.reset(companies)
            service_demo.reset()
            removals_demo.reset()
            jobs_demo.reset()
            fleet_demo.reset()
            messaging_demo.reset()
            demo.reset()
        if demo.is_loaded():
            self.stdout.write("Demo data already loaded (use --reset to start again).")
        else:
            demo.load()
            messaging_demo.load()
            fleet_demo.load()
            jobs_demo.load()
            removals_demo.load()
            service_demo.load()
            company = service_demo.company()
            demo_contracts.contracts(
                company,
                list(Customer.objects.filter(organisation=company).order_by("pk")),
                list(Equipment.objects.filter(organisation=company).order_by("pk")),
            )
            demo_plans.demo_plan(company)
            demo_verification.verify_some(company)
            commerce_demo.load(company)
            demo_prepaid.load(company)
            demo_invoicing.load(company)  # last: it bills what the others made
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        # A reset deletes rows without their moves: the totals are counted again.
        call_command("counters", "--repair", verbosity=0, stdout=self.stdout if options["verbosity"] > 1 else None)
        self.print_logins()

    def print_logins(self) -> None:
        out = self.stdout.write
        out("")
        out(f"Fieldbox demo: {settings.SITE_URL}/")
        out(f"Every password: {demo.PASSWORD}")
        for email, _first, _last, _lang, org_key, role in demo.USERS:
            org = next(o[1] for o in demo.ORGANISATIONS if o[0] == org_key)
            out(f"  {email:<28} {role.label:<26} {org}")
        out(f"Provider admins use two-factor: authenticator key {demo.TOTP_KEY_BASE32}")
        out("  or print the current code with: .venv/bin/fieldbox demo --code")
        out("A working day: sign in as mario@rossi.example; after a pairing, activate the box with")
        out("  .venv/bin/fieldbox simulate-device --serial <serial number>")
        out(f"Removals: {removals_demo.REQUESTER} follows a removal request; {removals_demo.TECHNICIAN} handles it")
        out(
            f"Service desk: {service_demo.DESK_ADMIN} answers the mail to "
            + " and ".join(a for _n, a, _c in service_demo.TEAMS)
        )
        out("  more mail: .venv/bin/fieldbox ingest-mail --mailbox assistenza@rossi.example < message.eml")
        out(
            f"Sales and stock: {commerce_demo.OFFICE} (quotes, offers, orders, warehouse, supplier orders, delivery "
            f"notes); {commerce_demo.LUCA} sees his van under My van"
        )
        out(
            f"Contracts and invoicing: {commerce_demo.OFFICE} (contracts, maintenance plans, prepaid minutes, invoice "
            f"runs); {service_demo.DESK_ADMIN} verifies done work (Final verification) and exports the e-invoices"
        )
        out(f"Customer portal: {service_demo.PORTAL_CONTACT} (Bar Centrale's contact) at {settings.SITE_URL}/portal/")
        out(f"E-mails land in {settings.EMAIL_FILE_PATH}, SMS in {settings.SMS_FILE_PATH}.")
        out(
            f"Device events: POST {settings.SITE_URL}/api/v1/device-events signed with key "
            f"{messaging_demo.FEED_KEY_ID} and secret {messaging_demo.FEED_SECRET} (docs/api.md)."
        )
        out("")
