"""Domain errors that services raise and both the web and the API translate."""

from __future__ import annotations


class Conflict(Exception):
    """The action is not allowed in the object's current state (HTTP 409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
