from django import template

from fieldbox.core.audit import action_label

register = template.Library()


@register.filter
def audit_action(action: str) -> str:
    """The words for an audit action code, in the reader's language."""
    return action_label(action)
