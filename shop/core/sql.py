"""Statements for the hot paths (wallet changes, draws), written once.

Building a statement through the ORM costs far more than running it (docs/benchmarks.md): on the
paths every checkout, draw and exchange takes, rows are inserted and changed with these helpers
instead — in the SQL SQLite (≥ 3.35) and PostgreSQL share, with values adapted by the field and
the backend exactly as the ORM would. Everything else uses the ORM.
"""

from __future__ import annotations

from django.db import connection, models


def insert(instance: models.Model) -> models.Model:
    """``INSERT … RETURNING id`` of ``instance`` (as ``save()`` on a new row would, without
    signals); sets its primary key."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}",
            values,
        )
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def execute(sql: str, params=()) -> tuple[int, tuple | None]:
    """Run one statement: (rows changed, first row returned or None)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
        return cursor.rowcount, row


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)
