"""Prepared statements for the certificate login's hot path.

The ORM compiles every query anew (``Model.__init__``, field lookups, SQL building): on a login that was half of
each write's CPU (``LoginAttempt.objects.create`` 0.67 ms against 0.35 ms for the same row through
:class:`Insert`, both in a transaction, measured on this project's 2-core machine — ``bench/profile_login.py``
shows the login's steps). These build their SQL once per model and database vendor, and convert each value with
its field's own ``get_db_prep_save``: the database receives what ``Model.save`` would send.

They send no ``pre_save``/``post_save`` signals: use them only for models nothing listens to — the tests assert
that for every model inserted here, so a receiver added later fails a test instead of being skipped silently.
(:class:`Update` is ``QuerySet.update``'s equivalent, which sends none either.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

Quote = Callable[[str], str]


class _Statement:
    """The SQL of one statement on ``model``, built once per database alias and vendor (:meth:`build`), run with
    parameters only."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self._sql: dict[tuple[str, str], str] = {}

    def build(self, quote: Quote) -> str:
        raise NotImplementedError

    def sql(self, using: str = DEFAULT_DB_ALIAS) -> str:
        return self._sql_for(connections[using])

    def _sql_for(self, connection: BaseDatabaseWrapper) -> str:
        key = (connection.alias, connection.vendor)
        sql = self._sql.get(key)
        if sql is None:
            sql = self._sql[key] = self.build(connection.ops.quote_name)
        return sql

    def run(self, params: list[Any], connection: BaseDatabaseWrapper) -> int:
        """The number of rows the statement wrote."""
        with connection.cursor() as cursor:
            cursor.execute(self._sql_for(connection), params)
            return int(cursor.rowcount)

    def field(self, name: str) -> Field[Any, Any]:
        """A concrete field by name or attribute name (``user`` or ``user_id``)."""
        field = self.model._meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete:
            raise ValueError(f"{self.model.__name__}.{name} is not a column")
        return field

    def table(self, quote: Quote) -> str:
        return quote(self.model._meta.db_table)

    def check_names(self, values: Mapping[str, Any], names: frozenset[str], *, every: bool) -> None:
        """``values`` name only these columns (with ``every``, each of them): a misspelt name is an error, not a
        column silently left as it was. (Runs on every login: the common case is one set comparison.)"""
        given = values.keys()
        if given == names if every else given <= names:
            return
        unknown = given - names
        if unknown:
            raise TypeError(f"{self.model.__name__}: no column for {', '.join(sorted(unknown))}")
        raise TypeError(f"{self.model.__name__}: missing {', '.join(sorted(names - given))}")


def attnames(fields: Iterable[Field[Any, Any]]) -> frozenset[str]:
    return frozenset(field.attname for field in fields)


class Insert(_Statement):
    """``INSERT`` of one row of ``model`` (every concrete column but an automatic primary key); with
    ``skip_conflicts_on`` (a unique column), ``ON CONFLICT (column) DO NOTHING`` — :meth:`execute` then returns 0
    instead of raising, and a surrounding transaction stays usable (no savepoint needed)."""

    def __init__(self, model: type[Model], *, skip_conflicts_on: str | None = None) -> None:
        super().__init__(model)
        self.skip_conflicts_on = skip_conflicts_on
        self.fields: list[Field[Any, Any]] = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"))
        ]
        self.names = attnames(self.fields)

    def build(self, quote: Quote) -> str:
        columns = ", ".join(quote(str(field.column)) for field in self.fields)
        placeholders = ", ".join(["%s"] * len(self.fields))
        # Identifiers from the model's own metadata, quoted by the backend; values are always parameters.
        sql = f"INSERT INTO {self.table(quote)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        if self.skip_conflicts_on:
            sql += f" ON CONFLICT ({quote(str(self.field(self.skip_conflicts_on).column))}) DO NOTHING"
        return sql

    def execute(self, values: Mapping[str, Any], *, using: str = DEFAULT_DB_ALIAS) -> int:
        """Insert the row (``values`` by attribute name, e.g. ``user_id``; missing ones take the field's default);
        the number of rows inserted (0: skipped conflict)."""
        self.check_names(values, self.names, every=False)
        connection = connections[using]
        params = [
            field.get_db_prep_save(
                values[field.attname] if field.attname in values else field.get_default(), connection
            )
            for field in self.fields
        ]
        return self.run(params, connection)


class Update(_Statement):
    """``UPDATE`` of the rows of ``model`` whose ``where`` columns equal the values given (``AND``): each of
    ``fields`` set to its value, each of ``keep_first`` only while it is still NULL (``COALESCE(column, value)``,
    the ORM's ``Coalesce(F(name), Value(value))``: the first value written stays). What ``QuerySet.update`` would
    send: values through each field's ``get_db_prep_save``, the ``where`` values through ``get_db_prep_value`` (an
    exact lookup's conversion); no signals, no ``auto_now``."""

    def __init__(
        self, model: type[Model], *, fields: Sequence[str], keep_first: Sequence[str] = (), where: Sequence[str]
    ) -> None:
        super().__init__(model)
        self.fields = [self.field(name) for name in fields]
        self.keep_first = [self.field(name) for name in keep_first]
        self.where = [self.field(name) for name in where]
        self.value_names, self.where_names = attnames([*self.fields, *self.keep_first]), attnames(self.where)
        if not self.fields and not self.keep_first:
            raise ValueError(f"{model.__name__}: an UPDATE that sets nothing")
        if not self.where:
            raise ValueError(f"{model.__name__}: an UPDATE without WHERE would change every row")

    def build(self, quote: Quote) -> str:
        columns = [quote(str(field.column)) for field in self.fields]
        first = [quote(str(field.column)) for field in self.keep_first]
        assignments = [f"{column} = %s" for column in columns] + [f"{c} = COALESCE({c}, %s)" for c in first]
        conditions = " AND ".join(f"{quote(str(field.column))} = %s" for field in self.where)
        # Identifiers from the model's own metadata, quoted by the backend; values are always parameters.
        return f"UPDATE {self.table(quote)} SET {', '.join(assignments)} WHERE {conditions}"  # noqa: S608

    def execute(self, values: Mapping[str, Any], *, where: Mapping[str, Any], using: str = DEFAULT_DB_ALIAS) -> int:
        """Update the rows (``values`` and ``where`` by attribute name, e.g. ``user_id``; every one required);
        the number of rows changed."""
        self.check_names(values, self.value_names, every=True)
        self.check_names(where, self.where_names, every=True)
        connection = connections[using]
        params = [field.get_db_prep_save(values[field.attname], connection) for field in self.fields + self.keep_first]
        params += [field.get_db_prep_value(where[field.attname], connection) for field in self.where]
        return self.run(params, connection)
