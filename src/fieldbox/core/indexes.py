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
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)
