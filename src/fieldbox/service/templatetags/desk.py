"""The desk's template filters: a customer's HTML mail, made safe to show."""

from __future__ import annotations

import nh3
from django import template
from django.utils.safestring import SafeString

register = template.Library()

# What of a customer's HTML may show: text formatting, lists, tables and links; no script, style, form, frame or
# image (a remote picture tells the sender when and where the mail was read).
TAGS = nh3.ALLOWED_TAGS - {"img", "area", "map"}


@register.filter
def safe_mail_html(html: str) -> SafeString:
    """The HTML of a message as received, cleaned by nh3 (an allow-list): links open elsewhere without referrer."""
    return SafeString(nh3.clean(html or "", tags=TAGS, link_rel="noopener noreferrer nofollow"))
