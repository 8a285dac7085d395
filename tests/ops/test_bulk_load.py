"""The load benchmark's national rows (bench/bulk.py): loaded by COPY, they are rows the
application reads as its own (a counter finds the open ones, the profile counts them)."""

import sys
from pathlib import Path

import pytest
from django.db import connection

from prescriptions.models import Prescription, PrescriptionItem, Visit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bulk

pytestmark = pytest.mark.django_db(transaction=True)


def test_copied_rows_are_rows_the_application_reads(demo):
    if connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL: set DATABASE_URL=postgres://…")
    from accounts.models import Membership
    from prescriptions import selectors
    from prescriptions.medications import medication_profile

    before = Prescription.objects.count()
    stats = bulk.load(patients=40, prescriptions=480, log=lambda _line: None)
    assert stats["prescriptions"] == 480 and stats["database_bytes"] > 0
    assert Prescription.objects.count() == before + 1 + 480  # the model one, then the copies
    # the copies' own codes: the model prescription's drawn code may start with Z too
    copies = [bulk.tracking_code(n) for n in range(480)]
    assert PrescriptionItem.objects.filter(prescription__tracking_code__in=copies) \
        .count() == 3 * 480
    assert Visit.objects.filter(hid__startswith="2000000").count() == 480
    # about one in twenty-four is still open; the rest were dispensed in full
    open_ = Prescription.objects.filter(tracking_code__in=copies, status="active")
    assert 10 <= open_.count() <= 30
    assert not PrescriptionItem.objects.filter(prescription__in=open_,
                                               dispensed_quantity__gt=0).exists()
    newest = open_.select_related("patient").order_by("-created_at").first()
    pharmacy = Membership.objects.select_related("facility").get(
        user__national_code="0034567895")
    found = selectors.counter_lookup(viewer=pharmacy, query=newest.patient.national_code)
    assert newest.tracking_code in {p.tracking_code for p in found}
    assert {m.tracking_code for m in medication_profile(newest.patient)} >= {
        newest.tracking_code}
    # the sequences moved past the copies: the services write after them without a clash
    from prescriptions import services

    doctor = Membership.objects.get(user__national_code="0012345679",
                                    facility__name="درمانگاه شفا")
    visit = services.visit_admit(actor=Membership.objects.get(user__national_code="0023456787"),
                                 national_code=bulk.national_code(500_000_039),
                                 doctor_id=doctor.pk).visit
    rx = services.prescription_create(
        doctor=doctor, visit=Visit.objects.select_related("patient").get(pk=visit.pk),
        kind="drug", items=[{"code": "PARA-500-TAB", "quantity": 10}], override_warnings=True)
    assert rx.pk > max(Prescription.objects.filter(tracking_code__in=copies)
                       .values_list("pk", flat=True))
