"""The claim lines recorded before claims existed are grouped into one claim per service
event by the migration, none lost."""

import datetime as dt

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("claims", "0003_claim_hid")]


def test_old_claim_lines_become_one_claim_per_event(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    old = executor._create_project_state(with_applied_migrations=True).apps
    get = old.get_model
    user = get("accounts", "User").objects.create(national_code="0012345679", mobile="09120000001")
    clinic = get("accounts", "Facility").objects.create(name="c", kind="clinic", siam_id="1")
    pharmacy = get("accounts", "Facility").objects.create(name="p", kind="pharmacy", siam_id="2")
    practitioner = get("accounts", "Practitioner").objects.create(
        council_number="1", national_code="0012345679", full_name="x", specialty="gp")
    doctor = get("accounts", "Membership").objects.create(user=user, role="doctor",
                                                          facility=clinic,
                                                          practitioner=practitioner)
    seller = get("accounts", "Membership").objects.create(user=user, role="pharmacy",
                                                          facility=pharmacy)
    patient = get("accounts", "Patient").objects.create(
        national_code="0089012348", first_name="a", last_name="b",
        birth_date=dt.date(1990, 1, 1), sex="M")
    insurer = get("claims", "Insurer").objects.create(code="I", name="i")
    scheme = get("claims", "Scheme").objects.create(insurer=insurer, code="S", name="s",
                                                    patient_share_percent=30)
    visit = get("prescriptions", "Visit").objects.create(
        hid="11111111111111", facility=clinic, doctor=doctor, patient=patient,
        day=dt.date(2026, 11, 20))
    item = get("prescriptions", "CatalogItem").objects.create(kind="drug", code="A",
                                                              name_fa="a", unit_price=100)
    rx = get("prescriptions", "Prescription").objects.create(
        tracking_code="T1", visit=visit, patient=patient, doctor=doctor, facility=clinic,
        kind="drug", hid=visit.hid, valid_until=dt.date(2026, 12, 20))
    rx_item = get("prescriptions", "PrescriptionItem").objects.create(
        prescription=rx, catalog_item=item, code="A", name="a", quantity=20, unit_price=100,
        total=2000, insurer_share=1400, patient_share=600, covered=True)
    dispense = get("pharmacy", "Dispense").objects.create(
        prescription=rx, facility=pharmacy, membership=seller, status_after="dispensed",
        started_at=timezone.now(), hid="22222222222222")
    lines = [get("pharmacy", "DispenseLine").objects.create(
        dispense=dispense, item=rx_item, quantity=10, uid=f"62600000000000{n:02d}",
        unit_price=100, total=1000, insurer_share=700, patient_share=300) for n in (1, 2)]
    ClaimLine = get("claims", "ClaimLine")
    for line in lines:
        ClaimLine.objects.create(
            facility=pharmacy, scheme=scheme, prescription=rx, item=rx_item,
            source=f"dispense-line:{line.pk}", code="A", quantity=10, unit_price=100,
            total=1000, insurer_share=700, patient_share=300, service_date=dt.date(2026, 11, 21),
            status="sent", hid=dispense.hid)
    ClaimLine.objects.create(
        facility=clinic, scheme=scheme, visit=visit, source=f"visit:{visit.pk}", code="V",
        quantity=1, unit_price=5000, total=5000, insurer_share=3500, patient_share=1500,
        service_date=dt.date(2026, 11, 20), hid=visit.hid)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from claims.models import Claim
    from claims.models import ClaimLine as NewLine

    assert NewLine.objects.count() == 3
    by_dispense = Claim.objects.get(dispense_id=dispense.pk)
    assert (by_dispense.status, by_dispense.amount, by_dispense.hid, by_dispense.tracking_code
            ) == ("sent", 1400, "22222222222222", "T1")
    assert sorted(by_dispense.lines.values_list("uid", flat=True)) == [
        "6260000000000001", "6260000000000002"]
    by_visit = Claim.objects.get(visit_id=visit.pk)
    assert (by_visit.status, by_visit.amount, by_visit.facility_id) == ("unsent", 3500, clinic.pk)
    assert by_visit.patient_id == patient.pk
