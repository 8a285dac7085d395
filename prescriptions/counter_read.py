"""The counter's lookup (pharmacy, lab, imaging, physio) as one hand-written SQL query:
the hottest read of the site (~170 a second at the national peak) runs no ORM compilation.

The query returns the open prescriptions of the counter's kind for a patient (and the
newborns registered under them) or a tracking code, each row a prescription item with its
prescription, patient, mother, doctor, practitioner and facility; the rows become ordinary
model instances (`Model.from_db`, related caches filled, one instance per doctor and
facility), so serializers, the access log and templates use them as they use the ORM's.
A lookup by national code also reads, in the same statement, whether the civil registry
blocked that code (one round trip; probed apart only when nothing is found).
The SQL is built once per process from the models' own column lists.
`tests/prescriptions/test_counter_read.py` proves it returns what the ORM selector does."""

from __future__ import annotations

from functools import cache

from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Facility, Membership, Patient, Practitioner, User
from config.sql import from_row, hot_cursor, read_alias
from prescriptions.models import CatalogItem, Prescription, PrescriptionItem

LIST_LIMIT = 200
IDENTIFIER_COLUMNS = ("national_code", "fida_code", "unique_id")
# alias and model of every table the query reads, in the SELECT's order
TABLES = (
    ("p", Prescription),
    ("pt", Patient),
    ("mo", Patient),
    ("m", Membership),
    ("u", User),
    ("pr", Practitioner),
    ("f", Facility),
    ("i", PrescriptionItem),
    ("ci", CatalogItem),
)


# columns no reader of the lookup needs (the page, the API, the access log), left out of
# every row: a password hash and sign-in dates, the people's record times, the catalog's
# search text, the signed text. Reading one on an instance loads it on demand, as for any
# deferred field.
LEFT_OUT = {"u": {"password", "last_login", "is_superuser", "is_staff", "date_joined"},
            "pt": {"created_at"}, "mo": {"created_at"}, "m": {"created_at"},
            "pr": {"updated_at"}, "ci": {"search_text", "synonyms"}, "p": {"signed_content"}}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def column_converters(field, alias: str) -> list:
    """(converter, column) pairs the ORM would apply to this field's value read raw."""
    column = field.get_col(alias)
    return [(convert, column) for convert in
            connection.ops.get_db_converters(column) + field.get_db_converters(connection)]


@cache
def _columns() -> tuple[str, dict[str, list[str]], dict[str, slice], dict[str, list]]:
    """The SELECT list, and per table: attribute names, its slice of a row, and the
    converters the ORM would apply to each column (JSON text to objects, SQLite's dates)."""
    select, attnames, slices, converters, start = [], {}, {}, {}, 0
    for alias, model in TABLES:
        fields = [f for f in model._meta.concrete_fields
                  if f.attname not in LEFT_OUT.get(alias, ())]
        select += [f"{alias}.{_q(f.column)}" for f in fields]
        attnames[alias] = [f.attname for f in fields]
        slices[alias] = slice(start, start + len(fields))
        converters[alias] = []
        for position, field in enumerate(fields):
            found = column_converters(field, alias)
            if found:
                converters[alias].append((position, found))
        start += len(fields)
    return ", ".join(select), attnames, slices, converters


@cache
def _sql(identifier_kind: str | None, by_tracking_code: bool, after: bool = False) -> str:
    """The query for a patient identifier of this kind, a tracking code, or both. Only
    names from the models' metadata and this module go into the text; every value the
    caller gives is a parameter."""
    if identifier_kind is not None and identifier_kind not in IDENTIFIER_COLUMNS:
        raise ValueError(f"not a patient identifier: {identifier_kind}")
    select = _columns()[0]
    t = {alias: _q(model._meta.db_table) for alias, model in TABLES}
    which = []
    if identifier_kind:
        column = _q(identifier_kind)
        which.append(
            f"p.patient_id IN (SELECT c.id FROM {t['pt']} c WHERE c.{column} = %s "  # noqa: S608
            f"UNION SELECT c.id FROM {t['pt']} c JOIN {t['pt']} mo ON mo.id = c.mother_id "
            f"WHERE mo.{column} = %s AND c.national_code IS NULL AND c.fida_code IS NULL)")
    if by_tracking_code:
        which.append("p.tracking_code = %s")
    if after:  # the next page: strictly older than the cursor's (created_at, id)
        which.append("(p.created_at, p.id) < (%s, %s)")
    which = " AND ".join(which)
    chosen = (f"SELECT p.id FROM {t['p']} p WHERE p.kind = %s AND p.status IN (%s, %s) "  # noqa: S608
              f"AND p.valid_until >= %s AND {which} ORDER BY p.created_at DESC, p.id DESC "
              "LIMIT %s")
    # The chosen ids come first and every join follows them by primary key: nine tables are
    # more than join_collapse_limit (8), so PostgreSQL keeps the written order, and an
    # `IN (subquery)` written last made it hash-join whole tables (330 ms at 20,000 rows).
    if identifier_kind == "national_code":  # and, last, whether it is blocked: one trip
        select += f", {accounts_services.blocked_sql()}"
    return (
        f"SELECT {select} FROM ({chosen}) chosen "  # noqa: S608
        f"JOIN {t['p']} p ON p.id = chosen.id "
        f"JOIN {t['pt']} pt ON pt.id = p.patient_id "
        f"LEFT JOIN {t['pt']} mo ON mo.id = pt.mother_id "
        f"JOIN {t['m']} m ON m.id = p.doctor_id "
        f"JOIN {t['u']} u ON u.id = m.user_id "
        f"LEFT JOIN {t['pr']} pr ON pr.id = m.practitioner_id "
        f"JOIN {t['f']} f ON f.id = p.facility_id "
        f"LEFT JOIN {t['i']} i ON i.prescription_id = p.id "
        f"LEFT JOIN {t['ci']} ci ON ci.id = i.catalog_item_id "
        f"ORDER BY p.created_at DESC, p.id DESC, i.position, i.id"
    )


def _instance(model, alias: str, row, db, shared: dict | None = None):
    """The instance of `model` in the row's `alias` columns (None for an empty LEFT JOIN),
    one per (model, id) in `shared`; `db` the connection itself, not the per-thread proxy
    (looking that up for every value cost 8% of a lookup)."""
    _select, attnames, slices, converters = _columns()
    values = row[slices[alias]]
    if values[0] is None:  # a LEFT JOIN that found nothing
        return None
    if shared is not None and (model, values[0]) in shared:
        return shared[(model, values[0])]
    if converters[alias]:
        values = list(values)
        for position, functions in converters[alias]:
            for convert, column in functions:
                values[position] = convert(values[position], column, db)
    instance = from_row(model, db.alias, attnames[alias], values)
    if shared is not None:
        shared[(model, values[0])] = instance
    return instance


class FetchedItems(QuerySet):
    """One prescription's items as the query returned them, in the place of
    `prescription.items`: reading it (iteration, len, count, exists, a slice) sends no
    query, and building it compiles none (`filter()` cost more than the rows). Anything
    chained on it (filter, order_by, select_related…) starts from the real
    `items.filter(prescription_id=…)`, so it never reads another prescription's rows."""

    def __init__(self, prescription_id: int, rows: list) -> None:
        super().__init__(model=PrescriptionItem)
        self._prescription_id = prescription_id
        self._result_cache, self._prefetch_done = rows, True

    def _clone(self):
        return PrescriptionItem.objects.filter(prescription_id=self._prescription_id)._clone()


def _cache(instance, field: str, value) -> None:
    instance._state.fields_cache[field] = value


def open_for_counter(*, kind: str, identifier=None, tracking_code: str = "",
                     after: tuple | None = None, limit: int = LIST_LIMIT
                     ) -> list[Prescription]:
    """Open prescriptions of `kind` inside their window for a typed patient identifier
    (`accounts.identity.PatientIdentifier`) or a tracking code, newest first, items
    prefetched in their order: at most `limit`, older than `after` (created_at, id)."""
    if identifier is None and not tracking_code:
        return []
    statuses = [str(s) for s in Prescription.OPEN_STATUSES]
    probes_block = identifier is not None and identifier.kind == "national_code"
    params = [identifier.value] if probes_block else []
    params += [kind, *statuses, timezone.localdate()]
    if identifier is not None:
        params += [identifier.value, identifier.value]
    if tracking_code:
        params.append(tracking_code)
    if after is not None:  # the datetime as the ORM would send it (SQLite compares text)
        created_at, pk = after
        params += [connection.ops.adapt_datetimefield_value(created_at), pk]
    params.append(int(limit))
    sql = _sql(identifier.kind if identifier is not None else None, bool(tracking_code),
               after is not None)
    db = connections[read_alias(Prescription)]  # a replica's when this request reads one
    with hot_cursor(db.alias) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if probes_block:  # with no row found, the block is probed apart
        accounts_services.national_code_not_blocked(
            identifier.value, blocked=bool(rows[0][-1]) if rows else None)
    shared: dict = {}
    prescriptions: dict[int, Prescription] = {}
    items: dict[int, list[PrescriptionItem]] = {}
    for row in rows:
        prescription = prescriptions.get(row[0])
        if prescription is None:
            prescription = _instance(Prescription, "p", row, db)
            patient = _instance(Patient, "pt", row, db, shared)
            _cache(patient, "mother", _instance(Patient, "mo", row, db, shared))
            doctor = _instance(Membership, "m", row, db, shared)
            _cache(doctor, "user", _instance(User, "u", row, db, shared))
            _cache(doctor, "practitioner", _instance(Practitioner, "pr", row, db, shared))
            _cache(prescription, "patient", patient)
            _cache(prescription, "doctor", doctor)
            _cache(prescription, "facility", _instance(Facility, "f", row, db, shared))
            prescriptions[row[0]] = prescription
            items[row[0]] = []
        item = _instance(PrescriptionItem, "i", row, db)
        if item is not None:
            _cache(item, "prescription", prescription)
            _cache(item, "catalog_item", _instance(CatalogItem, "ci", row, db, shared))
            items[row[0]].append(item)
    for pk, prescription in prescriptions.items():
        prescription._prefetched_objects_cache = {"items": FetchedItems(pk, items[pk])}
    return list(prescriptions.values())
