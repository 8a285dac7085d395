"""The patient's current medicines (داروهای فعلی بیمار): what the clinical rules check new
items against, at prescribing and again at dispensing (seed 002 §8-7).

A drug is current while it is on an open prescription from any prescriber (inside its
validity window), or, once dispensed, while the dispensed quantity lasts: quantity ÷ the
daily dose, or the item's default days of supply. Cancelled prescriptions and expired ones
with nothing dispensed are ignored. One query whatever the number of medicines.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict, namedtuple
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from accounts import services as accounts_services
from accounts.jalali import jalali_date
from accounts.models import AccessLog, Facility, Membership, Patient, User
from config.sql import CompiledInRead, hot_cursor
from prescriptions.counter_read import column_converters
from prescriptions.dosage import PER_DAY, days_of_supply
from prescriptions.models import CatalogItem, Kind, Prescription, PrescriptionItem

# Per list: a profile of hundreds of medicines still costs one bounded query.
PROFILE_LIMIT = 300
ROW_LIMIT = 3 * PROFILE_LIMIT
# How far back a dispense can still be in use (the longest supply considered).
SUPPLY_HORIZON_DAYS = 400


class Source:
    PRESCRIBED = "prescribed"
    DISPENSED = "dispensed"


@dataclass(frozen=True)
class Medication:
    patient_id: int
    item: CatalogItem
    source: str
    on: dt.date  # the day it was prescribed, or last dispensed
    until: dt.date  # the prescription's validity, or the end of the dispensed supply
    quantity: int
    dosage: str
    prescription_id: int
    tracking_code: str
    prescriber: str
    facility: str

    def described(self) -> str:
        """When, in Persian, without naming the prescriber (minimum disclosure)."""
        if self.source == Source.PRESCRIBED:
            return f"در نسخه‌ای که {jalali_date(self.on)} ثبت شده، فعال است"
        return (f"در {jalali_date(self.on)} تحویل شده و تا {jalali_date(self.until)} "
                "مصرف دارد")

    def related(self) -> dict:
        """What a rule result may say about it: the drug and when, nothing more. Keys in
        the order PostgreSQL's jsonb keeps them (shorter first, then by name), so the
        answer to a write and a later read of it are the same JSON text."""
        return {"code": self.item.code, "date": self.on.isoformat(), "name": self.item.name,
                "source": self.source}


# (alias, model, field): the columns of a profile row, in the SELECT's order
COLUMNS = (
    ("i", PrescriptionItem, "catalog_item"), ("i", PrescriptionItem, "quantity"),
    ("i", PrescriptionItem, "dispensed_quantity"), ("i", PrescriptionItem, "last_given_at"),
    ("i", PrescriptionItem, "dosage"),
    ("i", PrescriptionItem, "dose_amount"), ("i", PrescriptionItem, "dose_frequency"),
    ("i", PrescriptionItem, "prescription"), ("p", Prescription, "patient"),
    ("p", Prescription, "created_at"), ("p", Prescription, "valid_until"),
    ("p", Prescription, "tracking_code"), ("u", User, "first_name"), ("u", User, "last_name"),
    ("f", Facility, "name"),
)
Row = namedtuple("Row", [model._meta.get_field(name).attname for _a, model, name in COLUMNS]
                 + ["open_now"])


@functools.cache
def _sql(patients: int, excluding: bool) -> tuple[str, list]:
    """One hand-written query for the profile of `patients` patients: every drug item that
    is open now, or was dispensed from a prescription still valid inside the supply horizon
    (a dispense needs a valid prescription), with the time it was last given (kept on the
    item: no join to the dispensing tables, no plan that depends on their size). No ORM
    compilation on the prescribing and dispensing paths; the converters the ORM would apply
    (SQLite's dates and decimals) come with it."""
    q = connection.ops.quote_name
    table = {alias: q(model._meta.db_table) for alias, model, _name in COLUMNS}
    select = [f"{alias}.{q(model._meta.get_field(name).column)}" for alias, model, name in COLUMNS]
    # an item dispensed by code that did not yet write the time (during a rolling deploy):
    # the prescription's last change, which its last dispense made, rather than dropping
    # the drug from the checks
    last = COLUMNS.index(("i", PrescriptionItem, "last_given_at"))
    select[last] = (f"COALESCE({select[last]}, CASE WHEN i.{q('dispensed_quantity')} > 0 "
                    f"THEN p.{q(Prescription._meta.get_field('updated_at').column)} END)")
    converters = [column_converters(model._meta.get_field(name), alias)
                  for alias, model, name in COLUMNS]
    converters += [[]]
    open_now = "(p.status IN (%s, %s) AND p.valid_until >= %s)"
    ids = ", ".join(["%s"] * patients)
    sql = (f"SELECT {', '.join(select)}, CASE WHEN {open_now} THEN 1 ELSE 0 END "  # noqa: S608
           f"FROM {table['i']} i JOIN {table['p']} p ON p.id = i.prescription_id "
           f"JOIN {q(Membership._meta.db_table)} m ON m.id = p.doctor_id "
           f"JOIN {table['u']} u ON u.id = m.user_id "
           f"JOIN {table['f']} f ON f.id = p.facility_id "
           f"WHERE p.patient_id IN ({ids}) AND p.kind = %s "
           f"AND ({open_now} OR (i.dispensed_quantity > 0 AND p.valid_until >= %s)) "
           + ("AND p.id <> %s " if excluding else "")
           + f"ORDER BY p.created_at DESC, i.position LIMIT {ROW_LIMIT}")
    return sql, converters


def _rows(patient_ids: list[int], day: dt.date, exclude_prescription_id: int | None
          ) -> list[Row]:
    sql, converters = _sql(len(patient_ids), bool(exclude_prescription_id))
    statuses = [str(s) for s in Prescription.OPEN_STATUSES]
    params = [*statuses, day, *patient_ids, str(Kind.DRUG), *statuses, day,
              day - timedelta(days=SUPPLY_HORIZON_DAYS)]
    if exclude_prescription_id:
        params.append(exclude_prescription_id)
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows, db = [], connections[DEFAULT_DB_ALIAS]  # the connection, not its per-thread proxy
    for values in fetched:
        values = list(values)
        for position, functions in enumerate(converters):
            for convert, column in functions:
                values[position] = convert(values[position], column, db)
        rows.append(Row(*values))
    return rows


def _entry(row: Row, item: CatalogItem, source: str, on: dt.date, until: dt.date,
           quantity: int) -> Medication:
    return Medication(
        patient_id=row.patient_id, item=item, source=source, on=on, until=until,
        quantity=quantity, dosage=row.dosage, prescription_id=row.prescription_id,
        tracking_code=row.tracking_code,
        prescriber=f"{row.first_name} {row.last_name}".strip(), facility=row.name)


# the catalog rows of the profile's medicines not already in hand: compiled once per count
_catalog_by_id = CompiledInRead(
    CatalogItem, lambda ids: CatalogItem.objects.filter(pk__in=ids), lambda i: -900_100 - i)


def medication_profiles(patient_ids, *, day: dt.date | None = None,
                        exclude_prescription_id: int | None = None,
                        known: dict[int, CatalogItem] | None = None
                        ) -> dict[int, list[Medication]]:
    """Current medicines per patient, newest first; the prescription being written, edited
    or dispensed is left out (its own items are the new ones). One query, and one more for
    catalog items not already in hand."""
    day = day or timezone.localdate()
    ids = sorted(set(patient_ids))
    profiles: dict[int, list[Medication]] = defaultdict(list)
    if not ids:
        return profiles
    rows = _rows(ids, day, exclude_prescription_id)
    horizon = timezone.now() - timedelta(days=SUPPLY_HORIZON_DAYS)
    prescribed = [r for r in rows if r.open_now][:PROFILE_LIMIT]
    dispensed = sorted((r for r in rows if not r.open_now and r.last_given_at is not None
                        and r.last_given_at >= horizon),
                       key=lambda r: r.last_given_at, reverse=True)[:PROFILE_LIMIT]
    wanted = {r.catalog_item_id for r in prescribed + dispensed}
    catalog = {pk: item for pk, item in (known or {}).items() if pk in wanted}
    if wanted - catalog.keys():  # the catalog items not already in hand (the new lines')
        catalog.update((i.pk, i) for i in _catalog_by_id(sorted(wanted - catalog.keys())))
    for row in prescribed:
        profiles[row.patient_id].append(_entry(
            row, catalog[row.catalog_item_id], Source.PRESCRIBED,
            timezone.localtime(row.created_at).date(), row.valid_until, row.quantity))
    for row in dispensed:
        item = catalog[row.catalog_item_id]
        given = timezone.localtime(row.last_given_at).date()
        per_day = PER_DAY.get(row.dose_frequency) if row.dose_amount else None
        days = days_of_supply(
            quantity=row.dispensed_quantity,
            per_day=row.dose_amount * per_day if per_day is not None else None,
            default_days=item.default_days_supply or settings.DEFAULT_DAYS_SUPPLY)
        until = given + timedelta(days=days - 1)
        if until >= day:
            profiles[row.patient_id].append(_entry(
                row, item, Source.DISPENSED, given, until, row.dispensed_quantity))
    return profiles


def medication_profile(patient: Patient, *, day: dt.date | None = None,
                       exclude_prescription_id: int | None = None,
                       known: dict[int, CatalogItem] | None = None) -> list[Medication]:
    return medication_profiles([patient.pk], day=day,
                               exclude_prescription_id=exclude_prescription_id,
                               known=known)[patient.pk]


def safety_check_log(*, membership: Membership, patient: Patient,
                     profile: list[Medication], dedupe: bool = False) -> None:
    """The rules read other prescriptions without consent: a safety check, logged as such.
    Live previews (`dedupe`) log once per ten minutes per counter and patient."""
    if not profile:
        return
    if dedupe and not cache.add(f"safety:{membership.pk}:{patient.pk}", 1, timeout=600):
        return
    accounts_services.access_log_record(
        action=AccessLog.Action.SAFETY_CHECK, actor_id=membership.user_id, membership=membership,
        patient=patient, target=f"medications:{len(profile)}")
