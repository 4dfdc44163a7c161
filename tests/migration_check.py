"""The rolling-upgrade check of the project's migrations (docs/deploy.md, "Upgrades"; docs/development.md).

During a rolling upgrade the previous release keeps serving while ``migrate`` runs, and for a while after it: each
migration must leave a schema that the old code still reads and writes, and must not hold a lock on a large table
for longer than a moment. django-migration-linter (a development dependency: neither the product nor the migrations
import it) reads the SQL that each migration runs on PostgreSQL and names what breaks that promise:

- the old code breaks: a NOT NULL column without a database default (``NOT_NULL``), a dropped or renamed column or
  table (``DROP_COLUMN``, ``DROP_TABLE``, ``RENAME_COLUMN``, ``RENAME_TABLE``), a new unique rule the old code may
  violate (``ADD_UNIQUE``);
- a large table is locked: a column type changed, which rewrites the table (``ALTER_COLUMN``), an index built or
  dropped without CONCURRENTLY (``CREATE_INDEX``, ``DROP_INDEX``, ``REINDEX``: the linter's warnings, errors here), and,
  added here, a CHECK or EXCLUDE constraint added to an existing table, which reads every row under an exclusive
  lock (``ADD_CONSTRAINT``);
- a data migration imports a model instead of ``apps.get_model`` (``RUNPYTHON_MODEL_IMPORT``).

A migration where one of them is safe says why in a module-level mapping, read here and never imported by the
product::

    UPGRADE_EXCEPTIONS = {
        "CREATE_INDEX": "commerce_invoicerun holds one row per invoice run: the index builds in a moment.",
    }

A reason that no longer matches a finding is an error too, so the justifications stay true.

The SQL of every migration is collected in one forward pass over the migration plan, the project state carried from
one migration to the next (``sqlmigrate``, which the linter calls once per migration, rebuilds it from the start
each time). Measured on the shared 2-core machine under load: about 30 s of CPU for the 47 migrations of the
project, the same order as ``sqlmigrate`` per migration; Django's rendering of the model states is most of it. A
test of a few migrations plans only what their apps need.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations import Migration
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django_migration_linter import MigrationLinter
from django_migration_linter.sql_analyser import PostgresqlAnalyser
from django_migration_linter.sql_analyser.base import Issue

SRC = Path(__file__).resolve().parents[1] / "src" / "fieldbox"
EXCEPTIONS_NAME = "UPGRADE_EXCEPTIONS"
# The linter's errors, and those of its PostgreSQL warnings that lock a table for as long as an index takes to build.
FAILING = frozenset(
    {
        "RENAME_TABLE",
        "NOT_NULL",
        "DROP_COLUMN",
        "DROP_TABLE",
        "RENAME_COLUMN",
        "ALTER_COLUMN",
        "ADD_UNIQUE",
        "RUNPYTHON_MODEL_IMPORT",
        "CREATE_INDEX",
        "DROP_INDEX",
        "REINDEX",
        "ADD_CONSTRAINT",
    }
)


# Checks of the linter replaced here by per-statement ones that name the table and column and know which tables the
# migration itself creates (the linter looks at the first index only, and reads a partial index's table wrongly).
REPLACED = frozenset({"NOT_NULL", "ADD_UNIQUE", "CREATE_INDEX", "CREATE_INDEX_EXCLUSIVE"})
NAME = r'"?([\w.]+)"?'
NOT_NULL_DROPPED_DEFAULT = (
    "NOT NULL column whose default lives only in Django: the running version inserts rows without it"
)
STATEMENTS = [
    # (code, message, pattern: group 1 is the table, group 2 the column when there is one)
    (
        "NOT_NULL",
        "NOT NULL column without a database default: the running version inserts rows without it",
        rf"ALTER TABLE {NAME} ADD COLUMN {NAME} (?!.*\bDEFAULT (?!NULL)).*(?<!DROP )(?<!IS )NOT NULL",
    ),
    (
        "NOT_NULL",
        "SET NOT NULL reads the whole table under an exclusive lock, and the running version may write NULL",
        rf"ALTER TABLE {NAME} ALTER COLUMN {NAME} SET NOT NULL",
    ),
    (
        "CREATE_INDEX",
        "CREATE INDEX without CONCURRENTLY blocks writes to the table while it builds",
        rf"CREATE (?:UNIQUE )?INDEX (?!CONCURRENTLY)\S+ ON {NAME}",
    ),
    (
        "ADD_UNIQUE",
        "new unique rule: the running version may write rows that break it, and it is built under a lock",
        rf"(?:ALTER TABLE {NAME} ADD CONSTRAINT \S+ UNIQUE|CREATE UNIQUE INDEX (?:CONCURRENTLY )?\S+ ON {NAME})",
    ),
    (
        "ADD_CONSTRAINT",
        "CHECK or EXCLUDE constraint: reads the whole table under an exclusive lock (CHECK ... NOT VALID avoids it)",
        rf"ALTER TABLE {NAME} ADD CONSTRAINT \S+ (?:CHECK|EXCLUDE)\b(?!.*NOT VALID)",
    ),
]


class Analyser(PostgresqlAnalyser):
    """The linter's PostgreSQL analyser, its coarse checks replaced by per-statement ones on existing tables."""

    migration_checks = [c for c in PostgresqlAnalyser.migration_checks if c.code not in REPLACED]

    def __init__(self, exclude_migration_tests: Iterable[str] | None) -> None:
        super().__init__(exclude_migration_tests)
        self.migration_checks = [c for c in self.migration_checks if c.code not in REPLACED]

    def analyse(self, sql_statements: list[str]) -> None:
        super().analyse(sql_statements)
        created = {m.group(1) for s in sql_statements if (m := re.match(rf"CREATE TABLE {NAME}", s, re.I))}
        # Django adds a NOT NULL column with its default, then drops the default: the running version, which does
        # not know the column, then inserts rows without it and fails.
        not_null = {
            m.groups()
            for s in sql_statements
            if (m := re.match(rf"ALTER TABLE {NAME} ADD COLUMN {NAME} .*(?<!DROP )(?<!IS )NOT NULL", s, re.I))
        }
        for sql in sql_statements:
            found = [
                (code, message, m.groups())
                for code, message, pattern in STATEMENTS
                if (m := re.match(pattern, sql, re.I))
            ]
            m = re.match(rf"ALTER TABLE {NAME} ALTER COLUMN {NAME} DROP DEFAULT", sql, re.I)
            if m and m.groups() in not_null:
                found.append(("NOT_NULL", NOT_NULL_DROPPED_DEFAULT, m.groups()))
            for code, message, groups in found:
                table, *column = [g for g in groups if g]
                if table in created:
                    continue
                issue = Issue(code=code, message=message, table=table, column=column[0] if column else None)
                (self.ignored if code in self.exclude_migration_tests else self.errors).append(issue)


@dataclass(frozen=True)
class Finding:
    migration: str  # "app.name"
    problem: str

    def __str__(self) -> str:
        return f"{self.migration}: {self.problem}"


def project_labels() -> set[str]:
    """The apps of src/fieldbox (third-party apps are not ours to change)."""
    return {a.label for a in django_apps.get_app_configs() if Path(a.path).is_relative_to(SRC)}


def collect_sql(labels: Iterable[str]) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], Migration]]:
    """The SQL lines that ``sqlmigrate`` prints for each migration of these apps (BEGIN/COMMIT around an atomic one),
    collected in one forward pass over the whole plan, the state carried from one migration to the next."""
    labels = set(labels)
    executor = MigrationExecutor(connection)
    loader = executor.loader
    # Only what these apps' last migrations need (the whole project for the project's apps).
    targets = [node for node in loader.graph.leaf_nodes() if node[0] in labels]
    plan = executor.migration_plan(targets, clean_start=True)
    state = ProjectState(real_apps=loader.unmigrated_apps)
    state.apps  # noqa: B018 -- rendered once, then each operation clones it
    sql: dict[tuple[str, str], list[str]] = {}
    migrations: dict[tuple[str, str], Migration] = {}
    for migration, _ in plan:
        with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
            state = migration.apply(state, editor, collect_sql=True)
        if migration.app_label not in labels:
            continue
        key = (migration.app_label, migration.name)
        lines = list(editor.collected_sql)
        if migration.atomic and connection.features.can_rollback_ddl:
            lines = [connection.ops.start_transaction_sql(), *lines, connection.ops.end_transaction_sql()]
        # One statement a line, its whitespace collapsed: a RunSQL written over several lines, or indented, is read
        # as one statement (the checks match from a statement's start).
        sql[key] = [" ".join(line.split()) for line in _statements("\n".join(lines))]
        migrations[key] = migration
    return sql, migrations


def _statements(text: str) -> list[str]:
    """The SQL statements of a migration, split at the semicolons that end them (comment lines left out)."""
    kept = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [f"{part.strip()};" for part in kept.split(";") if part.strip()]


def exceptions_of(migration: Migration) -> dict[str, str]:
    return dict(getattr(sys.modules[type(migration).__module__], EXCEPTIONS_NAME, {}))


def _describe(issue: Issue) -> str:
    where = ", ".join(f"{k}: {v}" for k, v in (("table", issue.table), ("column", issue.column)) if v)
    return f"{issue.code} — {issue.message}" + (f" ({where})" if where else "")


def unsafe_migrations(labels: Iterable[str] | None = None) -> list[Finding]:
    """Every finding of the check over the migrations of these apps (the project's by default), in order."""
    sql, migrations = collect_sql(project_labels() if labels is None else labels)
    linter = MigrationLinter(no_cache=True, no_output=True)
    linter.sql_analyser_class = Analyser
    findings = []
    for (label, name), migration in sorted(migrations.items()):
        excused = exceptions_of(migration)
        linter.exclude_migration_tests = list(excused)
        analyser = Analyser(list(excused))
        analyser.analyse(sql[(label, name)])
        data_errors, data_ignored, data_warnings = linter.analyse_data_migration(migration)
        errors = analyser.errors + data_errors
        warnings = analyser.warnings + data_warnings
        ignored = analyser.ignored + data_ignored
        where = f"{label}.{name}"
        seen = set()
        for issue in errors + warnings:
            if issue.code in FAILING and (issue.code, issue.message, issue.table, issue.column) not in seen:
                seen.add((issue.code, issue.message, issue.table, issue.column))
                findings.append(Finding(where, _describe(issue)))
        fired = {i.code for i in ignored}
        for code, reason in excused.items():
            if code not in fired:
                findings.append(Finding(where, f"{EXCEPTIONS_NAME} excuses {code}, which this migration does not do"))
            elif len(str(reason).split()) < 5:
                findings.append(Finding(where, f"{EXCEPTIONS_NAME}[{code!r}] gives no reason"))
    return findings
