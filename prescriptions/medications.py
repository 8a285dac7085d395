"""The patient's current medicines (داروهای فعلی بیمار): what the clinical rules check new
items against, at prescribing and again at dispensing (seed 002 §8-7).

A drug is current while it is on an open prescription from any prescriber (inside its
validity window), or, once dispensed, while the dispensed quantity lasts: quantity ÷ the
daily dose, or the item's default days of supply. Cancelled prescriptions and expired ones
with nothing dispensed are ignored. Two queries whatever the number of medicines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Q
from django.utils import timezone

from accounts import services as accounts_services
from accounts.jalali import jalali_date
from accounts.models import AccessLog, Membership, Patient
from prescriptions.dosage import PER_DAY, days_of_supply
from prescriptions.models import CatalogItem, Kind, Prescription, PrescriptionItem

# Per query: a profile of hundreds of medicines still costs two bounded queries.
PROFILE_LIMIT = 300
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
        """What a rule result may say about it: the drug and when, nothing more."""
        return {"code": self.item.code, "name": self.item.name, "source": self.source,
                "date": self.on.isoformat()}


FIELDS = ("catalog_item_id", "quantity", "dispensed_quantity", "dosage", "dose_amount",
          "dose_frequency", "prescription_id", "prescription__patient_id",
          "prescription__created_at", "prescription__valid_until",
          "prescription__tracking_code", "prescription__doctor__user__first_name",
          "prescription__doctor__user__last_name", "prescription__facility__name")


def _rows(patient_ids, exclude_prescription_id):
    """Plain rows, not model instances: a profile of hundreds stays cheap to build."""
    items = PrescriptionItem.objects.filter(prescription__patient_id__in=list(patient_ids),
                                            prescription__kind=Kind.DRUG)
    if exclude_prescription_id:
        items = items.exclude(prescription_id=exclude_prescription_id)
    return items


def _entry(row: dict, item: CatalogItem, source: str, on: dt.date, until: dt.date,
           quantity: int) -> Medication:
    return Medication(
        patient_id=row["prescription__patient_id"], item=item, source=source, on=on,
        until=until, quantity=quantity, dosage=row["dosage"],
        prescription_id=row["prescription_id"], tracking_code=row["prescription__tracking_code"],
        prescriber=f"{row['prescription__doctor__user__first_name']} "
                   f"{row['prescription__doctor__user__last_name']}".strip(),
        facility=row["prescription__facility__name"])


def medication_profiles(patient_ids, *, day: dt.date | None = None,
                        exclude_prescription_id: int | None = None,
                        known: dict[int, CatalogItem] | None = None
                        ) -> dict[int, list[Medication]]:
    """Current medicines per patient, newest first; the prescription being written, edited
    or dispensed is left out (its own items are the new ones). Three queries."""
    day = day or timezone.localdate()
    ids = set(patient_ids)
    profiles: dict[int, list[Medication]] = defaultdict(list)
    if not ids:
        return profiles
    open_now = Q(prescription__status__in=Prescription.OPEN_STATUSES,
                 prescription__valid_until__gte=day)
    prescribed = list(_rows(ids, exclude_prescription_id).filter(open_now)
                      .order_by("-prescription__created_at", "position")
                      .values(*FIELDS)[:PROFILE_LIMIT])
    horizon = timezone.now() - timedelta(days=SUPPLY_HORIZON_DAYS)
    dispensed = list(_rows(ids, exclude_prescription_id).exclude(open_now)
                     .filter(dispensed_quantity__gt=0)
                     .annotate(last_given=Max("dispense_lines__dispense__ended_at"))
                     .filter(last_given__gte=horizon).order_by("-last_given")
                     .values(*FIELDS, "last_given")[:PROFILE_LIMIT])
    wanted = {r["catalog_item_id"] for r in prescribed + dispensed}
    catalog = {pk: item for pk, item in (known or {}).items() if pk in wanted}
    if wanted - catalog.keys():  # the catalog items not already in hand (the new lines')
        catalog.update(CatalogItem.objects.in_bulk(wanted - catalog.keys()))
    for row in prescribed:
        profiles[row["prescription__patient_id"]].append(_entry(
            row, catalog[row["catalog_item_id"]], Source.PRESCRIBED,
            timezone.localtime(row["prescription__created_at"]).date(),
            row["prescription__valid_until"], row["quantity"]))
    for row in dispensed:
        item = catalog[row["catalog_item_id"]]
        given = timezone.localtime(row["last_given"]).date()
        per_day = PER_DAY.get(row["dose_frequency"]) if row["dose_amount"] else None
        days = days_of_supply(
            quantity=row["dispensed_quantity"],
            per_day=row["dose_amount"] * per_day if per_day is not None else None,
            default_days=item.default_days_supply or settings.DEFAULT_DAYS_SUPPLY)
        until = given + timedelta(days=days - 1)
        if until >= day:
            profiles[row["prescription__patient_id"]].append(_entry(
                row, item, Source.DISPENSED, given, until, row["dispensed_quantity"]))
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
        action=AccessLog.Action.SAFETY_CHECK, actor=membership.user, membership=membership,
        patient=patient, target=f"medications:{len(profile)}")
