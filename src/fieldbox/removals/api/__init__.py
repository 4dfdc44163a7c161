"""The removals API: one ninja router per screen family, each added under /api/v1/ in ``config.api``."""
