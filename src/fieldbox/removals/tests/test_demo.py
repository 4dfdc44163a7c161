"""The demo shows a removal request followed by its requester and handled by its remover."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.removals import selectors
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.demo import FLEET, IN_REQUEST
from fieldbox.removals.models import RemovalLine, RemovalRequest

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_removal_request_in_every_step_and_a_box_waiting():
    call_command("demo", verbosity=0)
    request = RemovalRequest.objects.get(provider__name="Traqueur Demo")
    lines = RemovalLine.objects.filter(request=request).order_by("row")
    assert [n.status for n in lines] == [
        LineStatus.ACCEPTED, LineStatus.DONE, LineStatus.REFUSED, LineStatus.NOTIFIED,
    ]  # fmt: skip
    done = lines[1]
    assert done.device is not None and done.device.status == DeviceStatus.REMOVED and done.device.vehicle is None
    luca = User.objects.get(email="luca@tramosa.example")
    scope = scope_for(luca, Organisation.objects.get(name="Tramosa").pk)
    assert scope is not None
    assert selectors.lines_for(scope).count() == IN_REQUEST
    # The vehicles left out of the request can go into a file of one's own.
    assert len(FLEET) > IN_REQUEST
    call_command("demo", "--reset", verbosity=0)
    assert RemovalRequest.objects.filter(provider__name="Traqueur Demo").count() == 1
