"""No table written on the hot paths (a prescription, a dispense, a lookup's access log, a
notice, a claim) keeps an index that another index already answers: one whose columns lead
another's (a foreign key's own index beside a composite that starts with it), or the LIKE
twin PostgreSQL gets beside `unique=True` on a text column. Each costs a write on every
row and buys no read. The foreign keys whose own index went are still the leading column
of an index, so deleting a referenced row never scans the table."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HOT = ["prescriptions.Prescription", "prescriptions.PrescriptionItem",
       "prescriptions.PrescriptionVersion", "prescriptions.Visit", "accounts.AccessLog",
       "pharmacy.Dispense", "pharmacy.DispenseLine", "notices.Notice", "claims.Claim"]

INDEXES = """
SELECT i.relname, x.indisunique, x.indpred IS NOT NULL OR x.indexprs IS NOT NULL,
       ARRAY(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o),
       ARRAY(SELECT o.opcname FROM unnest(x.indclass::oid[]) WITH ORDINALITY k(c, o)
             JOIN pg_opclass o ON o.oid = k.c ORDER BY k.o)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = %s::regclass"""


def indexes(table: str) -> list[tuple[str, bool, bool, list[str], list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [table])
        return cursor.fetchall()


@pytest.mark.parametrize("label", HOT)
def test_no_index_another_already_answers(label):
    table = apps.get_model(label)._meta.db_table
    found = indexes(table)
    redundant = [
        (name, other) for name, unique, partial, columns, classes in found
        if not unique and not partial
        for other, _u, other_partial, other_columns, other_classes in found
        if other != name and not other_partial
        and other_columns[:len(columns)] == columns and other_classes[:len(classes)] == classes
    ]
    like_twins = [name for name, _u, _p, _c, classes in found
                  if any(c.endswith("_pattern_ops") for c in classes)]
    assert redundant == [] and like_twins == []


@pytest.mark.parametrize("label", HOT)
def test_every_foreign_key_still_leads_an_index(label):
    model = apps.get_model(label)
    leading = {columns[0] for _n, _u, partial, columns, _c in indexes(model._meta.db_table)
               if not partial}
    keys = {f.column for f in model._meta.concrete_fields if f.is_relation}
    assert keys - leading == set()
