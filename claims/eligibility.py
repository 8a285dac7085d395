"""Eligibility: who insures a patient on a day. Today the local coverage table answers;
the national insured-persons service can replace the backend behind the same function."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Patient
from claims.models import Coverage, Insurer, Scheme


def new_hid() -> str:
    """A 14-digit HID (شناسه شباد) for one encounter: a visit, or a pharmacy or paraclinic
    service. Uniqueness is the database's job (the caller retries on a clash)."""
    return str(secrets.randbelow(9 * 10**13) + 10**13)


@dataclass(frozen=True)
class Eligibility:
    insurer: Insurer
    scheme: Scheme
    patient_share_percent: int
    # A supplementary fund paying a percentage of the patient's share, if the person has one.
    supplementary: Scheme | None = None

    @property
    def supplementary_percent(self) -> int:
        return self.supplementary.supplementary_percent if self.supplementary else 0


def eligibility_on(patient: Patient, day: dt.date) -> Eligibility | None:
    """The patient's coverage on `day`, or None when uninsured (they pay everything).

    A newborn not yet registered is covered by the mother's insurance (§7-1 note 3); its
    own cover, once it has one, comes first.
    """
    holders = [patient.pk]
    if patient.is_newborn:
        holders.append(patient.mother_id)
    coverages = list(
        Coverage.objects.select_related("scheme__insurer")
        .filter(patient_id__in=holders, valid_from__lte=day, scheme__is_active=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
    )
    holder = patient.pk if any(c.patient_id == patient.pk for c in coverages) else (
        patient.mother_id)
    basic = next((c.scheme for c in coverages
                  if c.patient_id == holder and not c.scheme.is_supplementary), None)
    if basic is None:
        return None
    supplementary = next((c.scheme for c in coverages
                          if c.patient_id == holder and c.scheme.is_supplementary), None)
    return Eligibility(basic.insurer, basic, basic.patient_share_percent, supplementary)
