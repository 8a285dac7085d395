"""National-scale rows for the load run, loaded by COPY: `patients` patients and
`prescriptions` drug prescriptions of three items each (one visit per prescription),
written over the last two years by the demo clinic's doctor.

Every row is a copy of a row the services wrote (a prescription registered through
`prescription_create` for a demo patient, with its visit and items), so each table gets
all of its columns with values the application itself produced; only identities, people,
dates and statuses vary. Prescriptions older than their validity are dispensed in full
(the counters' lookups do not return them); the rest stay open, about one in twenty-four.
Run inside a configured Django process on PostgreSQL, after `migrate` and `seed_demo`."""

from __future__ import annotations

import datetime as dt
import json
import time

from django.conf import settings
from django.db import connection
from django.utils import timezone

DAYS = 730
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def national_code(n: int) -> str:
    """A valid 10-digit national code (check digit per the national rule) for number n."""
    digits = f"{n:09d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
    remainder = total % 11
    return digits + str(remainder if remainder < 2 else 11 - remainder)


def tracking_code(n: int) -> str:
    """'Z' and nine Crockford characters: never all digits, never a code the service draws
    twice (its codes are random; these are counted)."""
    chars = []
    for _ in range(9):
        n, r = divmod(n, 32)
        chars.append(ALPHABET[r])
    return "Z" + "".join(reversed(chars))


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _template(table: str, where: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_jsonb(t) FROM {table} t WHERE {where} ORDER BY id",
                       params)
        # Django reads jsonb as text (JSONField decodes it)
        return [json.loads(row[0]) if isinstance(row[0], str) else row[0]
                for row in cursor.fetchall()]


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _copy(table: str, columns: list[str], rows) -> int:
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_text(row[c]) for c in columns])
                count += 1
    return count


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT MAX(id) FROM {table}))")


def load(*, patients: int, prescriptions: int, first_code: int = 500_000_000,
         log=print) -> dict:
    """COPY the rows in; returns counts, seconds and the database's size afterwards."""
    from accounts.models import Membership, Patient
    from prescriptions import services
    from prescriptions.models import Prescription, PrescriptionItem, Visit

    started = time.perf_counter()
    reception = Membership.objects.get(user__national_code="0023456787")
    doctor = Membership.objects.get(user__national_code="0012345679",
                                    facility__name="درمانگاه شفا")
    model_patient = Patient.objects.filter(national_code__isnull=False,
                                           mother__isnull=True).order_by("pk").first()
    visit = services.visit_admit(actor=reception, national_code=model_patient.national_code,
                                 doctor_id=doctor.pk).visit
    rx = services.prescription_create(
        doctor=doctor, visit=Visit.objects.select_related("patient").get(pk=visit.pk),
        kind="drug", override_warnings=True,
        items=[{"code": "AMOX-500-CAP", "quantity": 20}, {"code": "PARA-500-TAB", "quantity": 10},
               {"code": "ASA-80-TAB", "quantity": 30}])
    tables = {m: m._meta.db_table for m in (Patient, Visit, Prescription, PrescriptionItem)}
    patient_row = _template(tables[Patient], "id = %s", [model_patient.pk])[0]
    visit_row = _template(tables[Visit], "id = %s", [visit.pk])[0]
    rx_row = _template(tables[Prescription], "id = %s", [rx.pk])[0]
    item_rows = _template(tables[PrescriptionItem], "prescription_id = %s", [rx.pk])
    visit_row.update(status="done")

    existing = set(Patient.objects.filter(
        national_code__in=[national_code(first_code + i) for i in range(patients)])
        .values_list("national_code", flat=True))
    patient_base = _next_id(tables[Patient])
    codes = [national_code(first_code + i) for i in range(patients)]

    def patient_rows():
        for i, code in enumerate(codes):
            if code in existing:
                continue
            yield {**patient_row, "id": patient_base + i, "national_code": code,
                   "user_id": None, "unique_id": None, "fida_code": None, "mother_id": None,
                   "first_name": "بیمار", "last_name": f"شماره {i}",
                   "birth_date": (dt.date(1950, 1, 1) + dt.timedelta(days=i % 25_000))
                   .isoformat(), "sex": "M" if i % 2 else "F",
                   "mobile": f"0935{i % 10_000_000:07d}"}

    copied = _copy(tables[Patient], list(patient_row), patient_rows())
    _reset_sequence(tables[Patient])
    ids = dict(Patient.objects.filter(national_code__in=codes).values_list("national_code", "id"))
    patient_ids = [ids[c] for c in codes]
    log(f"  {copied:,} patients copied")

    now = timezone.now()
    valid_days = settings.PRESCRIPTION_VALID_DAYS["drug"]
    visit_base, rx_base = _next_id(tables[Visit]), _next_id(tables[Prescription])
    item_base = _next_id(tables[PrescriptionItem])

    def when(n: int) -> dt.datetime:
        # spread over two years, newest last; a patient's prescriptions on different days
        return now - dt.timedelta(days=DAYS * (prescriptions - n) / prescriptions,
                                  minutes=n % 600)

    def visits():
        for n in range(prescriptions):
            at = when(n)
            yield {**visit_row, "id": visit_base + n, "patient_id": patient_ids[n % patients],
                   "hid": str(2 * 10**13 + n), "day": timezone.localdate(at).isoformat(),
                   "created_at": at.isoformat(), "completed_at": at.isoformat()}

    def prescription_rows():
        for n in range(prescriptions):
            at = when(n)
            day = timezone.localdate(at)
            open_ = (now.date() - day).days < valid_days
            yield {**rx_row, "id": rx_base + n, "tracking_code": tracking_code(n),
                   "visit_id": visit_base + n, "patient_id": patient_ids[n % patients],
                   "hid": str(2 * 10**13 + n), "created_at": at.isoformat(),
                   "updated_at": at.isoformat(),
                   "valid_until": (day + dt.timedelta(days=valid_days)).isoformat(),
                   "status": "active" if open_ else "dispensed", "version": 1}

    def item_rows_():
        for n in range(prescriptions):
            open_ = (now.date() - timezone.localdate(when(n))).days < valid_days
            for k, item in enumerate(item_rows):
                yield {**item, "id": item_base + 3 * n + k, "prescription_id": rx_base + n,
                       "dispensed_quantity": 0 if open_ else item["quantity"],
                       "last_given_at": None if open_ else when(n).isoformat(),
                       "rules_tracking_id": f"B{3 * n + k:015d}"}

    log(f"  {_copy(tables[Visit], list(visit_row), visits()):,} visits copied")
    log(f"  {_copy(tables[Prescription], list(rx_row), prescription_rows()):,} "
        "prescriptions copied")
    log(f"  {_copy(tables[PrescriptionItem], list(item_rows[0]), item_rows_()):,} "
        "items copied")
    for table in tables.values():
        _reset_sequence(table)
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    return {"patients": patients, "prescriptions": prescriptions,
            "items": prescriptions * len(item_rows), "seconds": round(time.perf_counter()
                                                                        - started, 1),
            "database_bytes": size}
