"""Booking an appointment: the window (now to the deadline) is one rule, which the quick choices, the date picker and
the service all follow."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from fieldbox.jobs import booking, services
from fieldbox.jobs.models import Job
from fieldbox.jobs.services.field import appointment_refusal
from fieldbox.jobs.tests.factories import taken_job

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
THURSDAY = datetime(2026, 12, 3, 14, 30, tzinfo=ROME)


def due(job: Job, at: datetime) -> Job:
    Job.objects.filter(pk=job.pk).update(deadline_at=at)
    job.refresh_from_db()
    return job


def test_the_quick_choices_are_today_tomorrow_and_working_days_within_the_deadline(tenant):
    with time_machine.travel(THURSDAY, tick=False), timezone.override(ROME):
        job = due(taken_job(tenant), datetime(2026, 12, 9, 12, 0, tzinfo=ROME))  # Wednesday noon
        days = booking.quick_days(job)
        labels = [(d.day.isoformat(), d.label, [s.label for s in d.slots]) for d in days]
        assert labels == [
            ("2026-12-03", "Today", ["15:00", "16:00", "17:00", "18:00"]),  # what is left of today
            ("2026-12-04", "Tomorrow", [f"{h:02d}:00" for h in range(8, 19)]),
            ("2026-12-07", "Mon 7", [f"{h:02d}:00" for h in range(8, 19)]),  # the weekend is passed over
            # Tuesday 8 is a public holiday in Italy (core.clock.is_working_day): passed over too.
            ("2026-12-09", "Wed 9", ["08:00", "09:00", "10:00", "11:00", "12:00"]),  # up to the deadline
        ]
        assert days[0].slots[0].value == "2026-12-03T15:00"
        # Each slot offered is one the service accepts; a minute past the deadline it refuses.
        assert all(appointment_refusal(job, slot.at) is None for day in days for slot in day.slots)
        assert "past the deadline" in str(appointment_refusal(job, job.deadline_at + timedelta(minutes=1)))
        assert "has not passed" in str(appointment_refusal(job, THURSDAY - timedelta(minutes=1)))
        assert booking.picker_bounds(job) == {"min": "2026-12-03T14:30", "max": "2026-12-09T12:00"}


def test_a_late_job_offers_no_slot_and_the_service_refuses_any(tenant):
    with time_machine.travel(THURSDAY, tick=False), timezone.override(ROME):
        job = due(taken_job(tenant), THURSDAY - timedelta(days=1))  # made on the day, as people would
        assert booking.is_late(job) and booking.quick_days(job) == []
        with pytest.raises(ValidationError, match="past the deadline"):
            services.job_appointment(
                scope=tenant.scope(tenant.installer), job_id=job.pk, when=THURSDAY + timedelta(hours=1)
            )


def test_without_a_deadline_every_offered_day_has_its_slots(tenant):
    evening = THURSDAY.replace(hour=20)
    with time_machine.travel(evening, tick=False), timezone.override(ROME):
        job = due(taken_job(tenant), None)  # type: ignore[arg-type]
        days = booking.quick_days(job)
        # Nothing left today; Tuesday 8 is a public holiday.
        assert [d.label for d in days] == ["Tomorrow", "Mon 7", "Wed 9", "Thu 10"]
        assert all(len(d.slots) == 11 for d in days) and "max" not in booking.picker_bounds(job)
