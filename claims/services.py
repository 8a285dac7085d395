"""Claims verbs other apps call: recording what insurers owe for a service event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accounts.models import Facility, Patient
from claims.models import Claim, ClaimLine, Scheme


@dataclass(frozen=True)
class LineIn:
    """One line of a service event, priced and split (basic, supplementary, patient)."""

    source: str
    code: str
    quantity: int
    unit_price: int
    total: int
    insurer_share: int
    supplementary_share: int
    patient_share: int
    uid: str = ""
    tracked: bool = False
    item_id: int | None = None


@dataclass(frozen=True)
class EventIn:
    """A service event as the facility claims it."""

    source: str  # "dispense:12", "visit:7"
    facility: Facility
    patient: Patient
    service_date: dt.date
    hid: str
    tracking_code: str = ""
    prescription_id: int | None = None
    visit_id: int | None = None
    dispense_id: int | None = None
    prescriber_specialty: str = ""
    payment_method: str = ""
    payment_terminal: str = ""
    payment_reference: str = ""


def claims_record(*, event: EventIn, scheme: Scheme | None, supplementary: Scheme | None,
                  lines: list[LineIn]) -> list[Claim]:
    """One claim per insurer for the event: the basic scheme's for the insurer shares and,
    when the patient has a supplementary cover with something to pay, the supplementary
    scheme's. Nothing for the uninsured. Called inside the event's own transaction: two
    INSERTs per claim, whatever the number of lines."""
    claims = []
    for payer, field in ((scheme, "insurer_share"), (supplementary, "supplementary_share")):
        amount = sum(getattr(line, field) for line in lines)
        if payer is None or not lines or (field == "supplementary_share" and not amount):
            continue
        claim = Claim.objects.create(
            facility=event.facility, scheme=payer, patient=event.patient,
            source=f"{event.source}:{payer.code}", tracking_code=event.tracking_code,
            hid=event.hid, service_date=event.service_date,
            prescription_id=event.prescription_id, visit_id=event.visit_id,
            dispense_id=event.dispense_id, prescriber_specialty=event.prescriber_specialty,
            payment_method=event.payment_method, payment_terminal=event.payment_terminal,
            payment_reference=event.payment_reference,
            total=sum(line.total for line in lines),
            insurer_share=sum(line.insurer_share for line in lines),
            supplementary_share=sum(line.supplementary_share for line in lines),
            patient_share=sum(line.patient_share for line in lines), amount=amount)
        ClaimLine.objects.bulk_create(
            ClaimLine(claim=claim, item_id=line.item_id, source=f"{line.source}:{payer.code}",
                      code=line.code, quantity=line.quantity, unit_price=line.unit_price,
                      total=line.total, insurer_share=line.insurer_share,
                      supplementary_share=line.supplementary_share,
                      patient_share=line.patient_share, amount=getattr(line, field),
                      uid=line.uid, tracked=line.tracked)
            for line in lines)
        claims.append(claim)
    return claims
