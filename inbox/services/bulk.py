"""Updating many rows with different values in one statement (UPDATE … FROM VALUES).

Django's bulk_update writes one CASE expression per field and row, whose building costs more
than the database work on the hot ingestion path; this sends the values as a VALUES list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from accounts.tenancy import tenant_scope


def _column(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a column"
    assert field.column, f"{model.__name__}.{name} has no column"
    return field


def update_rows(
    model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str], *, tenant_id: int
) -> None:
    """Set `fields` of each row (matched by primary key, within the tenant) to the row's values."""
    if not rows:
        return
    pk = _column(model, model._meta.pk.name if model._meta.pk else "id")
    columns = [_column(model, name) for name in fields]
    row_placeholder = "(" + ", ".join(f"%s::{c.db_type(connection)}" for c in [pk, *columns]) + ")"
    params: list[Any] = []
    # A field encrypted at rest is encrypted, without its row, with the scope's tenant key.
    with tenant_scope(tenant_id):
        for row in rows:
            params.append(pk.get_db_prep_value(row.pk, connection))
            params += [c.get_db_prep_value(getattr(row, c.attname), connection) for c in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c.column) for c in columns)
    assignments = ", ".join(f"{quote(c.column)} = v.{quote(c.column)}" for c in columns)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row_placeholder] * len(rows))}) AS v({quote(pk.column)}, {names}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)} AND t.tenant_id = %s"
    )
    with connection.cursor() as cursor:
        # Only quoted names of the model's own table and fields are interpolated; values are parameters.
        cursor.execute(sql, [*params, tenant_id])
