"""How the audit log names the actions on jobs, and the states of their rows."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "job.create": _("Job created"),
        "job.create_removal": _("Removal job created"),
        "job.update": _("Job changed"),
        "job.delete": _("Job deleted"),
        "job.assign": _("Job assigned to a company"),
        "job.reassign": _("Job moved to another company"),
        "job.take": _("Job taken by an installer"),
        "job.take_over": _("Job taken over from a colleague"),
        "job.take_back": _("Job taken back as a draft"),
        "job.appointment": _("Appointment set"),
        "job.ask_care": _("Customer care asked for help"),
        "job.pair": _("Job paired with a device"),
        "job.correct_pairing": _("Pairing corrected"),
        "job.extend_deadline": _("Deadline extended"),
        "job.activate": _("Job succeeded on the device's activation"),
        "job.record_activation": _("Device activated, checks still missing"),
        "job.flag_activation": _("Activation missing: customer care told"),
        "job.complete": _("Job completed"),
        "job.fail": _("Job failed"),
        "job.cancel": _("Job cancelled"),
        "job.owner_change_request": _("Owner asked for another workshop"),
        "job.send_certificate": _("Installation certificate sent"),
    }
)
