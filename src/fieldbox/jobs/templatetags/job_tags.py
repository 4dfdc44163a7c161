"""Template pieces of the job lists, written once."""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fieldbox.fleet.choices import VehicleType
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.queries import Row

register = template.Library()


@register.simple_tag
def deadline(row: Row) -> SafeString:
    """A job's deadline as every list and page shows it: the date and the days left or late, coloured by urgency.
    A tag, not an include: a list calls it on every row."""
    if row.job.deadline_at is None:
        return SafeString("—")
    return format_html('<span class="{}" data-testid="deadline">{}</span>', row.deadline_class, row.deadline_text)


# The installer's open installations, the list a workshop keeps open all day: its rows are built here, like the
# Django admin builds its change list's rows (items_for_result), because the template language spends ~140 µs on
# each row of nine cells, more than the database spends on the whole page. Every value is escaped (html.escape, the
# function Django's escape calls, without its lazy-string checks: these are plain strings and numbers).
ANY_ID = 987654321  # stands for a job's id in the job page's address, reversed once


@register.simple_tag(takes_context=True)
def open_installation_rows(context: template.Context, rows: list[Row]) -> SafeString:
    """The rows of the open tab of /jobs/installations/: subscription (the link to the job), days since assignment,
    plate, customer, phone, vehicle type, product, deadline, and the button to pair: on a job nobody has taken it
    takes the job and opens the pair form, on mine it opens the pair form, on a colleague's it opens the job."""
    labels = (
        _("Subscription"),
        _("Days since assignment"),
        _("Plate"),
        _("Customer"),
        _("Phone"),
        _("Vehicle type"),
        _("Product"),
        _("Deadline"),
        _("Action"),
    )
    sub, days, plate, customer, phone, vtype, product, due, action = (escape(label) for label in labels)
    pair, open_job = escape(_("Pair")), escape(pgettext("verb", "Open"))
    # Reversed and translated once for the page, not once per row.
    link = reverse("jobs:detail", args=[ANY_ID])
    take = reverse("jobs:take", args=[ANY_ID])
    token = escape(str(context.get("csrf_token", "")))
    me = context["request"].user.pk
    kinds = {value: escape(str(label)) for value, label in VehicleType.choices}
    html = []
    for row in rows:
        url = link.replace(str(ANY_ID), str(row.job.pk))
        kind = row.job.vehicle.vehicle_type
        number = escape(row.phone)
        urgency = ' class="deadline-%s"' % row.urgency if row.urgency else ""  # noqa: UP031 (quotes of HTML)
        call = '<a href="tel:%s">%s</a>' % (number, number) if number else ""  # noqa: UP031
        html.append(
            f"<tr{urgency}>"
            f'<td data-label="{sub}"><a href="{url}">{escape(row.subscription_number)}</a></td>'
            f'<td data-label="{days}">{"—" if row.days_assigned is None else row.days_assigned}</td>'
            f'<td data-label="{plate}">{escape(row.plate)}</td>'
            f'<td data-label="{customer}">{escape(row.customer_name)}</td>'
            f'<td data-label="{phone}">{call}</td>'
            f'<td data-label="{vtype}">{kinds.get(kind, escape(kind))}</td>'
            f'<td data-label="{product}">{escape(row.product_name)}</td>'
            f'<td data-label="{due}">{deadline(row)}</td>'
            f'<td data-label="{action}">{_pair_button(row, url, take, token, me, pair, open_job)}</td></tr>'
        )
    return SafeString("\n".join(html))


def _pair_button(row: Row, url: str, take: str, token: str, me: int, pair: str, open_job: str) -> str:
    job = row.job
    if job.status == JobStatus.ASSIGNED:  # nobody's yet: "Pair" takes it and opens the pair form
        action = take.replace(str(ANY_ID), str(job.pk))
        return (
            f'<form method="post" action="{action}"><input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<input type="hidden" name="next" value="pair"><button type="submit">{pair}</button></form>'
        )
    if job.installer_id == me:
        return f'<a class="button" href="{url}?step=pair">{pair}</a>'
    return f'<a class="button secondary" href="{url}">{open_job}</a>'
