"""The demo's prepaid package: 300 minutes sold to the customer of a call, half used by the call's time."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fieldbox.commerce import demo_prepaid
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.commerce.services import prepaid
from fieldbox.service import demo as service_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_package_half_used_and_starts_again_cleanly():
    call_command("demo", verbosity=0)  # loads the package with the rest of the demo
    company = service_demo.company()
    package = PrepaidPackage.objects.get(organisation=company)
    assert package.minutes == 300
    assert prepaid.balance_of(package.pk) == 150
    assert MinuteMove.objects.filter(package=package, charge__isnull=False).count() == 3
    demo_prepaid.reset(service_demo.companies())
    assert not PrepaidPackage.objects.exists() and not MinuteMove.objects.exists()
    assert prepaid.balance_of(demo_prepaid.load(company).pk) == 150
