"""Claims verbs other apps call: recording what an insurer owes."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from accounts.models import Facility
from claims.models import ClaimLine, Scheme


def claim_line_record(
    *,
    facility: Facility,
    scheme: Scheme | None,
    source: str,
    code: str,
    quantity: int,
    unit_price: int,
    total: int,
    insurer_share: int,
    patient_share: int,
    service_date: dt.date,
    visit=None,
    prescription=None,
    item=None,
    hid: str = "",
) -> ClaimLine | None:
    """Record one claim line, once per source event; nothing for uninsured patients."""
    if scheme is None:
        return None
    try:
        with transaction.atomic():
            return ClaimLine.objects.create(
                facility=facility, scheme=scheme, source=source, code=code, quantity=quantity,
                unit_price=unit_price, total=total, insurer_share=insurer_share,
                patient_share=patient_share, service_date=service_date, visit=visit,
                prescription=prescription, item=item, hid=hid,
            )
    except IntegrityError:
        return ClaimLine.objects.filter(source=source).first()


def claim_lines_record_new(*, facility: Facility, scheme: Scheme | None,
                           service_date: dt.date, lines: list[dict]) -> int:
    """Record claim lines for source events that are new in the caller's transaction (for
    example the lines of a dispense being written): one INSERT, no per-line savepoints."""
    if scheme is None or not lines:
        return 0
    ClaimLine.objects.bulk_create(
        ClaimLine(facility=facility, scheme=scheme, service_date=service_date, **line)
        for line in lines)
    return len(lines)
