"""The installer's next step on a job: the one panel the job page opens with.

An installer goes take → book the appointment → pair → checklist → done (an installation; other jobs have no
pairing). Which step is next follows from what the job's transition table lets this person do now (``can``, the
page's actions from ``services.screen_actions``) and from what the job already holds: the page never decides
"who may" on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fieldbox.jobs.checklist import Line
from fieldbox.jobs.choices import JobKind, JobStatus
from fieldbox.jobs.models import Job

TAKE, TAKE_OVER, BOOK, PAIR, CHECKLIST, COMPLETE, WAITING, DONE = (
    "take",
    "take_over",
    "book",
    "pair",
    "checklist",
    "complete",
    "waiting",
    "done",
)
# The steps one may ask for by name (``?step=pair``: "Pair" from a list, "At the vehicle now?" on the booking), each
# with the action of the page it needs.
ASKABLE = {PAIR: "pair", BOOK: "appointment", CHECKLIST: "fill", COMPLETE: "complete"}
TITLES = {
    TAKE: _("Take the job"),
    TAKE_OVER: _("A colleague's job"),
    BOOK: _("Book the appointment"),
    PAIR: _("Pair the device"),
    CHECKLIST: _("Checklist"),
    COMPLETE: _("Complete the job"),
    WAITING: _("Waiting for activation"),
}
NAMES = {
    TAKE: _("Take the job"),
    BOOK: _("Book the appointment"),
    PAIR: _("Pair"),
    CHECKLIST: _("Checklist"),
    DONE: _("Done"),
}


@dataclass(frozen=True)
class Next:
    """The step the page opens with, and the path of steps it is on (for the progress line)."""

    name: str
    path: tuple[str, ...]
    skip_to: str = ""  # on the booking: the step to go to at once, when the installer is at the vehicle already

    @property
    def title(self) -> str:
        """The panel's heading (a job done reads its status: "ACTIVE" for an installation)."""
        return str(TITLES.get(self.name, NAMES[DONE]))

    @property
    def position(self) -> int:
        """1-based place of the step in its path: taking over stands for taking, completing and waiting for the
        activation for the last step."""
        shown = {TAKE_OVER: TAKE, COMPLETE: DONE, WAITING: DONE}.get(self.name, self.name)
        return self.path.index(shown) + 1

    @property
    def progress(self) -> list[tuple[str, str]]:
        """Each step of the path with its label and "done", "current" or "todo"."""
        current = self.position
        marks = []
        for n, name in enumerate(self.path, start=1):
            state = "done" if n < current or self.name == DONE else "current" if n == current else "todo"
            marks.append((str(NAMES[name]), state))
        return marks


def path_of(job: Job, has_checklist: bool) -> tuple[str, ...]:
    pairs = job.kind == JobKind.INSTALLATION
    return tuple(s for s in (TAKE, BOOK, PAIR if pairs else "", CHECKLIST if has_checklist else "", DONE) if s)


def next_step(job: Job, can: Mapping[str, bool], checklist: Sequence[Line], asked: str = "") -> Next | None:
    """The step to show first, or None when there is nothing left for this person to do on the job (a provider's
    page, a job of another company's hands they may not take over)."""
    path = path_of(job, bool(checklist))
    missing = any(line.item.required and not line.done for line in checklist)
    if asked in ASKABLE and can.get(ASKABLE[asked]) and (asked != CHECKLIST or checklist):
        return Next(asked, path)
    if can.get("take"):
        return Next(TAKE, path)
    if can.get("take_over"):
        return Next(TAKE_OVER, path)
    at_vehicle = PAIR if can.get("pair") else CHECKLIST if can.get("fill") and missing else ""
    at_vehicle = at_vehicle or (COMPLETE if can.get("complete") else "")
    started = any(line.done or line.photos for line in checklist)  # at the vehicle already: booking is moot
    if can.get("appointment") and job.status == JobStatus.IN_PROGRESS and job.appointment_at is None and not started:
        return Next(BOOK, path, skip_to=at_vehicle)
    if at_vehicle:
        return Next(at_vehicle, path)
    if job.status == JobStatus.PAIRED:
        return Next(WAITING, path)
    if job.status == JobStatus.SUCCEEDED:
        return Next(DONE, path)
    return None
