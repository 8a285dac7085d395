"""Eligibility: who insures a patient on a day. Today the local coverage table answers;
the national insured-persons service can replace the backend behind the same function."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Patient
from claims.models import Coverage, Insurer, Scheme
from config.sql import CompiledRead


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


def _live_covers(patient_id: int, mother_id: int, day: dt.date):
    return (Coverage.objects.select_related("scheme__insurer")
            .filter(patient_id__in=[patient_id, mother_id], valid_from__lte=day,
                    scheme__is_active=True)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
            .order_by("-valid_from", "pk"))


# every admission, prescription and dispense asks: compiled once per process
live_covers = CompiledRead(
    Coverage, _live_covers, -900_001, -900_002, dt.date(1901, 1, 1),
    adapt=lambda connection, values: (*values[:2],
                                      connection.ops.adapt_datefield_value(values[2])))


def _covers(patient: Patient, day: dt.date) -> tuple[list[Scheme], Scheme | None]:
    """The basic schemes (newest cover first, each once) and the supplementary one of the
    person who holds the cover on `day`: the patient, or a newborn's mother."""
    mother = patient.mother_id if patient.is_newborn else patient.pk
    coverages = live_covers(patient.pk, mother, day)
    holder = patient.pk if any(c.patient_id == patient.pk for c in coverages) else (
        patient.mother_id)
    basic: list[Scheme] = []
    for coverage in coverages:
        if (coverage.patient_id == holder and not coverage.scheme.is_supplementary
                and coverage.scheme not in basic):
            basic.append(coverage.scheme)
    supplementary = next((c.scheme for c in coverages
                          if c.patient_id == holder and c.scheme.is_supplementary), None)
    return basic, supplementary


def basic_covers(patient: Patient, day: dt.date) -> list[Eligibility]:
    """Every basic cover the person holds on `day` (two or more: overlapping insurance,
    seed 002 §9-1-2, which reception resolves by choosing one)."""
    basic, supplementary = _covers(patient, day)
    return [Eligibility(s.insurer, s, s.patient_share_percent, supplementary) for s in basic]


def eligibility_on(patient: Patient, day: dt.date, *, scheme_id: int | None = None
                   ) -> Eligibility | None:
    """The patient's coverage on `day`, or None when uninsured (they pay everything).

    A newborn not yet registered is covered by the mother's insurance (§7-1 note 3); its
    own cover, once it has one, comes first. With two basic covers, the one chosen at
    admission (`scheme_id`, carried by the visit and its prescriptions) applies while the
    person still holds it; otherwise the newest.
    """
    covers = basic_covers(patient, day)
    chosen = next((c for c in covers if c.scheme.pk == scheme_id), None)
    return chosen or (covers[0] if covers else None)


def coverage_data(scheme: Scheme | None, share: int, supplementary: Scheme | None = None
                  ) -> dict | None:
    """The contract's coverage, and the supplementary fund paying part of the patient's
    share when there is one."""
    if scheme is None:
        return None
    return {"insurer": {"code": scheme.insurer.code, "name": scheme.insurer.name},
            "scheme": {"code": scheme.code, "name": scheme.name},
            "patient_share_percent": share,
            "supplementary": None if supplementary is None else {
                "insurer": {"code": supplementary.insurer.code,
                            "name": supplementary.insurer.name},
                "scheme": {"code": supplementary.code, "name": supplementary.name},
                "percent": supplementary.supplementary_percent}}
