"""Migrations keep the running version working during a rolling upgrade, and lock no large table for long
(tests/migration_check.py; docs/deploy.md, "Upgrades"). The check reads the SQL of every migration on PostgreSQL."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest

from tests.migration_check import SRC, unsafe_migrations

# The SQL is collected on the suite's test database: written down, never run.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

DANGEROUS = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("fleet", "0007_payment_instalments")]
    operations = [
        migrations.AddField("vehicle", "colour", models.CharField(max_length=20)),
        migrations.RemoveField("vehicle", "make"),
        migrations.RunSQL(
            \"\"\"
            create index vehicle_plate_by_hand
                on fleet_vehicle (plate)
            \"\"\",
            reverse_sql="drop index vehicle_plate_by_hand",
        ),
    ]
"""
EXCUSED = """
from django.db import migrations, models

UPGRADE_EXCEPTIONS = {
    "CREATE_INDEX": "fleet_vehicle is small in this test: the index builds in a moment.",
    "DROP_TABLE": "a reason for an operation that this migration does not have.",
}


class Migration(migrations.Migration):
    dependencies = [("fleet", "0008_dangerous")]
    operations = [migrations.AddIndex("vehicle", models.Index(fields=["plate"], name="vehicle_plate_test"))]
"""


def test_every_migration_is_safe_for_a_rolling_upgrade() -> None:
    started, cpu = time.monotonic(), time.process_time()
    findings = unsafe_migrations()
    assert not findings, (
        "Migrations that would break the running version or lock a large table during a rolling upgrade "
        "(docs/deploy.md, 'Upgrades': make the change in two releases, or say why it is safe in the migration's "
        "UPGRADE_EXCEPTIONS):\n" + "\n".join(map(str, findings))
    )
    # Printed, not asserted: the machine is shared and noisy (about 30 s of CPU for 47 migrations).
    print(f"rolling-upgrade check: {time.monotonic() - started:.1f} s, {time.process_time() - cpu:.1f} s of CPU")


def test_a_dangerous_migration_fails_the_check_naming_it_and_the_problem(
    tmp_path: Path,
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    package = f"throwaway_fleet_{uuid.uuid4().hex[:8]}"
    copy = tmp_path / package
    shutil.copytree(SRC / "fleet" / "migrations", copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "0008_dangerous.py").write_text(DANGEROUS)
    (copy / "0009_excused.py").write_text(EXCUSED)
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.MIGRATION_MODULES = {"fleet": package}  # type: ignore[attr-defined]

    findings = [str(f) for f in unsafe_migrations({"fleet"})]

    # The earlier fleet migrations keep their justified exceptions: only the new ones are named.
    assert all(f.startswith(("fleet.0008_dangerous: ", "fleet.0009_excused: ")) for f in findings), findings
    dangerous = [f for f in findings if f.startswith("fleet.0008_dangerous")]
    assert any("NOT_NULL" in f and "table: fleet_vehicle, column: colour" in f for f in dangerous), findings
    assert any("DROP_COLUMN" in f and "column: make" in f for f in dangerous), findings
    # SQL written by hand, in lower case over several lines, is read as well.
    assert any("CREATE_INDEX" in f and "table: fleet_vehicle" in f for f in dangerous), findings
    assert findings[-1] == (
        "fleet.0009_excused: UPGRADE_EXCEPTIONS excuses DROP_TABLE, which this migration does not do"
    ), findings
    assert not any("CREATE_INDEX" in f for f in findings if f.startswith("fleet.0009")), findings
