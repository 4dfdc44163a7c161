"""How the audit log names the actions on jobs."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "job.create": _("Job created"),
        "job.update": _("Job changed"),
        "job.delete": _("Job deleted"),
        "job.assign": _("Job assigned to a company"),
        "job.reassign": _("Job moved to another company"),
        "job.take": _("Job taken by an installer"),
        "job.take_over": _("Job taken over from a colleague"),
        "job.appointment": _("Appointment set"),
        "job.pair": _("Device paired"),
        "job.correct_pairing": _("Pairing corrected"),
        "job.extend_deadline": _("Deadline extended"),
        "device.ship": _("Device shipped"),
        "device.receive": _("Device received"),
        "device.pair": _("Device paired"),
        "device.unpair": _("Device unpaired"),
        "device.activate": _("Device activated"),
        "job.activate": _("Device activated"),
        "job.complete": _("Job completed"),
        "job.fail": _("Job failed"),
        "job.cancel": _("Job cancelled"),
        "job.send_certificate": _("Installation certificate sent"),
    }
)
