"""Screens of the messaging app: notifications, outgoing messages, wordings, integrations, action links."""
