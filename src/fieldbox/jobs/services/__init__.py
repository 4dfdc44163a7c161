"""Every change of a job: one transition table (``jobs.choices.JOB_TABLE``), each move locked, checked, audited and
told through the kernel (``core.transitions``), in one transaction.

One module per family of moves; callers use ``from fieldbox.jobs import services`` and ``services.job_…``.
"""

from fieldbox.jobs.services.devices import flag_missing_activations as flag_missing_activations
from fieldbox.jobs.services.devices import job_activate as job_activate
from fieldbox.jobs.services.devices import job_correct_pairing as job_correct_pairing
from fieldbox.jobs.services.field import job_appointment as job_appointment
from fieldbox.jobs.services.field import job_ask_care as job_ask_care
from fieldbox.jobs.services.field import job_fail as job_fail
from fieldbox.jobs.services.field import job_pair as job_pair
from fieldbox.jobs.services.field import job_take as job_take
from fieldbox.jobs.services.field import job_take_next as job_take_next
from fieldbox.jobs.services.field import job_take_over as job_take_over
from fieldbox.jobs.services.field import take_next_sql as take_next_sql
from fieldbox.jobs.services.moves import locked as locked
from fieldbox.jobs.services.moves import screen_actions as screen_actions
from fieldbox.jobs.services.planning import job_assign as job_assign
from fieldbox.jobs.services.planning import job_cancel as job_cancel
from fieldbox.jobs.services.planning import job_create as job_create
from fieldbox.jobs.services.planning import job_delete as job_delete
from fieldbox.jobs.services.planning import job_extend_deadline as job_extend_deadline
from fieldbox.jobs.services.planning import job_reassign as job_reassign
from fieldbox.jobs.services.planning import job_update as job_update
from fieldbox.jobs.services.planning import jobs_take_back as jobs_take_back
from fieldbox.jobs.services.planning import refuse_busy as refuse_busy
