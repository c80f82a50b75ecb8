"""Statements for the hot paths (wallet changes, draws), written once.

Building a statement through the ORM costs far more than running it (docs/benchmarks.md): on the
paths every page, checkout, draw and exchange takes, rows are read, inserted and changed with
these helpers instead — in the SQL SQLite (≥ 3.35) and PostgreSQL share, with values adapted by the field and
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
    with _cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}",
            values,
        )
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def select(model: type[models.Model], where: str, params=(), *, order_by: str = "", limit: int | None = None,
           offset: int = 0, for_update: bool = False, extra: dict[str, str] | None = None) -> list[models.Model]:
    """``SELECT <every column> FROM <model's table> WHERE <where>`` as model instances, each value
    converted by its field and the backend exactly as a queryset would (``where`` and
    ``order_by`` are SQL written by the caller, with ``%s`` placeholders for ``params``).
    ``for_update``: lock the rows (PostgreSQL; SQLite's write transaction is the lock).
    ``extra``: more columns (name → SQL expression, e.g. a scalar subquery on the row), each set
    on the instances as an attribute of that name, as read."""
    selected = _reader(model)[0]
    extra = extra or {}
    if extra:
        selected += "".join(f", {expression}" for expression in extra.values())
    query = f"SELECT {selected} FROM {table(model)} WHERE {where}" + (f" ORDER BY {order_by}" if order_by else "")
    if limit is not None:
        query += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    if for_update and connection.features.has_select_for_update:
        query += " FOR UPDATE"
    with _cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    width = len(model._meta.concrete_fields)
    instances = []
    for row in rows:
        instance = from_row(model, row[:width])
        for name, value in zip(extra, row[width:], strict=True):
            setattr(instance, name, value)
        instances.append(instance)
    return instances


def columns(model: type[models.Model], alias: str) -> str:
    """Every column of ``model`` as ``alias.column``, in the order :func:`from_row` reads them."""
    key = (connection.vendor, model, alias)
    if key not in _columns:
        _columns[key] = ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)
    return _columns[key]


_columns: dict[tuple[str, type, str], str] = {}


def from_row(model: type[models.Model], values) -> models.Model:
    """A model instance from its columns' values as read (see :func:`columns`), each converted by
    its field and the backend exactly as a queryset would."""
    values = list(values)
    _columns_sql, converters, names = _reader(model)
    for index, chain, column in converters:
        for convert in chain:
            values[index] = convert(values[index], column, connection)
    return model.from_db(connection.alias, names, values)


def prep(model: type[models.Model], name: str, value):
    """``value`` as the database takes it for the field ``name`` (as ``save()`` would send it)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def select_in(model: type[models.Model], column: str, values, *, where: str = "", params=(),
              order_by: str = "") -> list[models.Model]:
    """:func:`select` of the rows whose ``column`` is one of ``values`` (and ``where``, if given)."""
    values = list(values)
    if not values:
        return []
    condition = f"{quote(column)} IN ({', '.join(['%s'] * len(values))})"
    return select(model, f"{where} AND {condition}" if where else condition, [*params, *values], order_by=order_by)


def load_related(instances, name: str) -> dict:
    """Load the foreign key ``name`` of every instance with one SELECT (as ``select_related``
    would); returns the related objects by primary key."""
    if not instances:
        return {}
    field = type(instances[0])._meta.get_field(name)
    ids = sorted({getattr(i, field.attname) for i in instances} - {None})
    related = {obj.pk: obj for obj in select_in(field.related_model, field.target_field.column, ids)}
    for instance in instances:
        key = getattr(instance, field.attname)
        if key is not None:
            field.set_cached_value(instance, related[key])
    return related


_readers: dict[tuple[str, type], tuple[str, list, list[str]]] = {}


def _reader(model):
    """The column list, for each column that needs them the converters a queryset applies, and
    the fields' attribute names."""
    key = (connection.vendor, model)
    if key not in _readers:
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            chain = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if chain:
                converters.append((index, chain, column))
        _readers[key] = (", ".join(quote(f.column) for f in fields), converters, [f.attname for f in fields])
    return _readers[key]


def execute(sql: str, params=()) -> tuple[int, tuple | None]:
    """Run one statement: (rows changed, first row returned or None)."""
    with _cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
        return cursor.rowcount, row


def rows(sql: str, params=()) -> list[tuple]:
    """Every row of one query, as plain tuples (no model instances, no conversion)."""
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cursor():
    """A cursor for these statements: on PostgreSQL bound on the server and prepared once per
    connection (``shop.core.backends.postgresql``), elsewhere Django's."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)
