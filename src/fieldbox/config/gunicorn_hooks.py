"""gunicorn's server hooks (``fieldbox serve`` passes this module as its configuration)."""

from __future__ import annotations

from typing import Any

from fieldbox.core import metrics


def child_exit(server: Any, worker: Any) -> None:
    """A web worker ended (restarted, killed): its live figures leave /metrics, its counters stay in the totals."""
    metrics.mark_dead(worker.pid)
