"""Prepared statements for the certificate login's hot path.

The ORM compiles every query anew (``Model.__init__``, field lookups, SQL building): on a login that was half of
each write's CPU (``LoginAttempt.objects.create`` 0.67 ms against 0.35 ms for the same row through
:class:`Insert`, both in a transaction, measured on this project's 2-core machine — ``bench/profile_login.py``
shows the login's steps). These build their SQL once per model and database vendor, and convert each value with
its field's own ``get_db_prep_save``: the database receives what ``Model.save`` would send.

They send no ``pre_save``/``post_save`` signals: use them only for models nothing listens to — the tests assert
that for every model written here, so a receiver added later fails a test instead of being skipped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model


class Insert:
    """``INSERT`` of one row of ``model`` (every concrete column but an automatic primary key); with
    ``skip_conflicts_on`` (a unique column), ``ON CONFLICT (column) DO NOTHING`` — :meth:`execute` then returns 0
    instead of raising, and a surrounding transaction stays usable (no savepoint needed)."""

    def __init__(self, model: type[Model], *, skip_conflicts_on: str | None = None) -> None:
        self.model = model
        self.skip_conflicts_on = skip_conflicts_on
        self.fields: list[Field[Any, Any]] = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"))
        ]
        self._sql: dict[str, str] = {}

    def sql(self, using: str = DEFAULT_DB_ALIAS) -> str:
        connection = connections[using]
        key = f"{using}:{connection.vendor}"
        if key not in self._sql:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(str(field.column)) for field in self.fields)
            placeholders = ", ".join(["%s"] * len(self.fields))
            # Identifiers from the model's own metadata, quoted by the backend; values are always parameters.
            sql = f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
            if self.skip_conflicts_on:
                column = self.model._meta.get_field(self.skip_conflicts_on).column  # type: ignore[union-attr]
                sql += f" ON CONFLICT ({quote(str(column))}) DO NOTHING"
            self._sql[key] = sql
        return self._sql[key]

    def execute(self, values: Mapping[str, Any], *, using: str = DEFAULT_DB_ALIAS) -> int:
        """Insert the row (``values`` by attribute name, e.g. ``user_id``; missing ones take the field's default);
        the number of rows inserted (0: skipped conflict)."""
        unknown = set(values) - {field.attname for field in self.fields}
        if unknown:
            raise TypeError(f"{self.model.__name__}: no column for {', '.join(sorted(unknown))}")
        connection = connections[using]
        params = [
            field.get_db_prep_save(
                values[field.attname] if field.attname in values else field.get_default(), connection
            )
            for field in self.fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(using), params)
            return int(cursor.rowcount)
