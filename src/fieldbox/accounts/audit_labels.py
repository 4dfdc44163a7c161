"""How the audit log names the actions of the accounts app."""

from django.utils.translation import gettext_lazy as _

from fieldbox.core.audit import label_actions

label_actions(
    {
        "partnership.invite": _("Company invited"),
        "partnership.claim": _("Invitation received by the company"),
        "partnership.accept": _("Invitation accepted"),
        "partnership.decline": _("Invitation declined"),
        "partnership.end": _("Partnership ended"),
        "invitation.create": _("Person invited"),
        "invitation.accept": _("Invitation used"),
        "invitation.revoke": _("Invitation withdrawn"),
        "member.role": _("Role changed"),
        "member.remove": _("Member removed"),
        "organisation.update": _("Settings changed"),
        "organisation.register": _("Company registered"),
        "organisation.delete": _("Company deleted"),
        "user.register": _("Account created"),
        "user.profile": _("Profile changed"),
        "user.password_reset": _("Password reset"),
        "user.two_factor": _("Two-factor authentication changed"),
        "token.create": _("API token created"),
        "token.revoke": _("API token revoked"),
    }
)
