"""A migration operation that adds an index without locking its table against writes on PostgreSQL.

``CREATE INDEX`` blocks every insert and update of the table while it builds; ``CREATE INDEX CONCURRENTLY`` lets
them run (slower, and not inside a transaction: the migration that uses it says ``atomic = False``). SQLite (the
demo) has no such thing and builds the index plainly."""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations import AddIndex


class AddIndexConcurrently(AddIndex):
    """``AddIndex`` that builds concurrently on PostgreSQL, plainly elsewhere."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self._run(schema_editor, to_state.apps.get_model(app_label, self.model_name), schema_editor.add_index)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        self._run(schema_editor, from_state.apps.get_model(app_label, self.model_name), schema_editor.remove_index)

    def _run(self, schema_editor: Any, model: Any, change: Any) -> None:
        """Add or remove the index, concurrently on PostgreSQL."""
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            change(model, self.index, concurrently=True)
        else:
            change(model, self.index)
