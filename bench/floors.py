"""Hot paths against their SQL floor, on the same rows, in one run (issue 10's table).

- create: `prescription_create` (rules over the patient's current medicines, the split, the
  version, the safety-check log) against replaying the very writes it made (the same INSERT
  and UPDATE statements with the same values, captured from the service) as plain SQL;
- lookup: the counter's selector with items (what the page and the API share), then the
  same plus the access-log row and the serializer, against one hand-written SQL query
  returning the same prescriptions and items;
- dispense: `dispense_record` (locks, pack codes, rules at dispensing, the encounter's HID,
  the claim) against replaying its writes.

Each service run happens inside a transaction that is rolled back, and so does each floor
run, so every run sees the same rows; runs alternate service and floor so both see the same
machine. The ratio is of medians.

Prepared statements are kept across those rollbacks (`keeping_prepared`): psycopg forgets
every one on ROLLBACK, in case the transaction dropped what it refers to, which a committed
request never makes it do. Without this the harness would time every statement planned
afresh, as no production request is after a connection's first few. The floor's lookup
query runs on the same kind of cursor as the selector's (config.sql.hot_cursor)."""

from __future__ import annotations

import statistics
import time
from contextlib import contextmanager

from django.db import connection, transaction

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def keeping_prepared():
    """psycopg keeps its prepared statements across ROLLBACK while inside (PostgreSQL keeps
    them anyway: they belong to the session, not the transaction). The runs create and drop
    no table, so no statement can outlive what it names."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    manager = connection.connection._prepared
    manager.clear = lambda: False
    try:
        yield
    finally:
        del manager.clear


def _rolled_back(call):
    def run():
        with transaction.atomic():
            result = call()
            transaction.set_rollback(True)
        return result
    return run


def _writes_of(call) -> list[tuple]:
    """The write statements a call makes, with the values it sent."""
    writes = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            writes.append((sql, params, many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture), transaction.atomic():
        call()
        transaction.set_rollback(True)
    return writes


def _replay(statements: list[tuple]):
    """The same statements and values as plain SQL, on a cursor PostgreSQL may prepare."""
    from config.sql import hot_cursor

    def run():
        with transaction.atomic(), hot_cursor() as cursor:
            for sql, params, many in statements:
                (cursor.executemany if many else cursor.execute)(sql, params)
            transaction.set_rollback(True)
    return run


def _compare(name: str, service, floor, runs: int, floor_label: str) -> dict:
    service_ms, floor_ms = [], []
    for _ in range(3):  # warm both
        service(), floor()
    for _ in range(runs):
        started = time.perf_counter()
        service()
        service_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        floor()
        floor_ms.append((time.perf_counter() - started) * 1000)
    s, f = statistics.median(service_ms), statistics.median(floor_ms)
    return {"path": name, "service_ms": round(s, 2), "floor_ms": round(f, 2),
            "ratio": round(s / f, 1), "floor": floor_label}


LOOKUP_SQL = """
SELECT p.id, p.tracking_code, p.kind, p.status, p.created_at, p.valid_until, p.total,
       p.insurer_share, p.patient_share, i.id, i.code, i.name, i.quantity, i.dispensed_quantity,
       i.dosage, i.unit_price, i.total, i.patient_share
FROM prescriptions_prescription p
JOIN prescriptions_prescriptionitem i ON i.prescription_id = p.id
WHERE p.patient_id IN (SELECT id FROM accounts_patient WHERE national_code = %s
                       UNION SELECT c.id FROM accounts_patient c
                       JOIN accounts_patient m ON m.id = c.mother_id
                       WHERE m.national_code = %s AND c.national_code IS NULL
                         AND c.fida_code IS NULL)
  AND p.kind = 'drug' AND p.status IN ('active', 'partially_dispensed')
  AND p.valid_until >= %s
ORDER BY p.created_at DESC, i.position, i.id
"""


def ratios(*, runs: int, doctor, visit, pharmacy, patient_code: str, items: list[dict],
           dispensable, request_factory) -> list[dict]:
    from django.utils import timezone

    from config.sql import hot_cursor
    from pharmacy import services as pharmacy_services
    from prescriptions import audit, selectors
    from prescriptions import services as prescription_services
    from prescriptions.serializers import PrescriptionOut

    rows = []

    def create():
        return prescription_services.prescription_create(
            doctor=doctor, visit=visit, kind="drug", items=items, override_warnings=True)

    rows.append(_compare("create: 1 prescription + 3 drugs, service layer", _rolled_back(create),
                         _replay(_writes_of(create)), runs,
                         "replaying its INSERTs/UPDATEs as plain SQL"))

    def lookup():
        return selectors.counter_lookup(viewer=pharmacy, query=patient_code)

    def lookup_floor():
        with hot_cursor() as cursor:
            cursor.execute(LOOKUP_SQL, [patient_code, patient_code, timezone.localdate()])
            return cursor.fetchall()

    found = lookup()
    assert found and len({r[0] for r in lookup_floor()}) == len(found), "floor ≠ selector"
    rows.append(_compare(f"lookup by national code with items ({len(found)} prescriptions)",
                         lookup, lookup_floor, runs, "one raw SQL query, same rows"))
    request = request_factory(pharmacy)

    def lookup_served():
        with transaction.atomic():
            prescriptions = lookup()
            audit.prescriptions_read(request, prescriptions, action="prescription.list",
                                     target="lookup")
            data = PrescriptionOut(prescriptions, many=True).data
            transaction.set_rollback(True)
        return data

    rows.append(_compare("  + access log + serializer (the API's whole work)", lookup_served,
                         lookup_floor, runs, "one raw SQL query, same rows"))

    item = dispensable.items.all()[0]

    def dispense():
        return pharmacy_services.dispense_record(
            membership=pharmacy, prescription=dispensable,
            lines=[{"item": item.pk, "quantity": item.quantity, "uid": "6999000000000001"}],
            acknowledgement=pharmacy_services.Acknowledgement(given=True))

    rows.append(_compare("dispense: one line, one pack, service layer", _rolled_back(dispense),
                         _replay(_writes_of(dispense)), runs,
                         "replaying its INSERTs/UPDATEs as plain SQL"))
    return rows


TARGETS = {"create": 3, "lookup": 3, "dispense": 4}


def append_to(results: list[dict], *, runs: int, doctor, pharmacy_number: str,
              reception_number: str, patient_code: str, items: list[dict]) -> None:
    """The comparisons on the issue's shape: a patient with four earlier prescriptions of
    three drugs (100,000 over 20,000 patients), one of them partly dispensed."""
    from django.test import RequestFactory

    from accounts.models import Membership
    from pharmacy import services as pharmacy_services
    from prescriptions import services as prescription_services
    from prescriptions.models import Visit

    reception = Membership.objects.get(user__national_code=reception_number)
    visit_id = prescription_services.visit_admit(actor=reception, national_code=patient_code,
                                                 doctor_id=doctor.pk).visit.pk
    visit = Visit.objects.select_related("patient").get(pk=visit_id)
    pharmacy = Membership.objects.select_related("facility").get(
        user__national_code=pharmacy_number)
    earlier = [prescription_services.prescription_create(
        doctor=doctor, visit=visit, kind="drug", items=items, override_warnings=True)
        for _ in range(4)]
    first = earlier[0].items.get(code="PARA-500-TAB")
    pharmacy_services.dispense_record(
        membership=pharmacy, prescription=earlier[0],
        lines=[{"item": first.pk, "quantity": 5, "uid": "6999000000000002"}],
        acknowledgement=pharmacy_services.Acknowledgement(given=True))
    dispensable = prescription_services.prescription_create(
        doctor=doctor, visit=visit, kind="drug", items=[{"code": "AMOX-500-CAP", "quantity": 20}],
        override_warnings=True)

    def request_for(membership):
        request = RequestFactory().get("/api/v1/prescriptions")
        request.user, request.membership = membership.user, membership
        return request

    with keeping_prepared():
        measured = ratios(runs=runs, doctor=doctor, visit=visit, pharmacy=pharmacy,
                          patient_code=patient_code, items=items, dispensable=dispensable,
                          request_factory=request_for)
    for row in measured:
        kind = row["path"].split(":")[0].split()[0].strip()
        row.update(runs=runs, target=TARGETS.get(kind) if not row["path"].startswith(" ")
                   else None, p50_ms=row["service_ms"], p95_ms=row["service_ms"], max_ms=0,
                   queries=0)
        results.append(row)
