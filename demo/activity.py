"""A month and a half of demo activity: claims at the demo pharmacies and the lab (most
accepted, some unsent, a few rejected or failed with reasons), last month's invoices (one
under review with a deduction, one paid), so the screens and dashboards have figures.
Made once; running it again changes nothing."""

from __future__ import annotations

import base64
import datetime as dt
import random

from django.utils import timezone

from accounts.models import Facility, Membership, Patient, Role
from claims import invoicing
from claims.models import Claim, ClaimLine, Deduction, Invoice, Scheme

DAYS = 45
PER_DAY = 6
LINES = [("PARA-500-TAB", 5000, 10), ("AMOX-500-CAP", 25000, 20), ("ASA-80-TAB", 2000, 30)]


def month_of_claims() -> str:
    # the month's first claim, whichever scheme it went to: exact sources, on the unique
    # index (a prefix LIKE could not use it outside the C collation)
    first = [f"demo:{DAYS}:0:{code}" for code in Scheme.objects.values_list("code", flat=True)]
    if Claim.objects.filter(source__in=first).exists():
        return "demo activity: already in place"
    rng = random.Random(1405)  # noqa: S311 - demo figures, the same every time
    facilities = list(Facility.objects.filter(kind=Facility.Kind.PHARMACY))
    patients = list(Patient.objects.filter(coverages__scheme__kind="basic").distinct())
    # a person with two basic covers claims on the first (reception's usual choice)
    covers = {p.pk: p.coverages.select_related("scheme").filter(scheme__kind="basic")
              .order_by("pk").first().scheme for p in patients}
    today = timezone.localdate()
    claims, lines = [], []
    for day_back in range(DAYS, 0, -1):
        day = today - dt.timedelta(days=day_back)
        for n in range(PER_DAY):
            patient = rng.choice(patients)
            scheme: Scheme = covers[patient.pk]
            code, price, quantity = rng.choice(LINES)
            total = price * quantity
            insurer = total * (100 - scheme.patient_share_percent) // 100
            status = rng.choices(["accepted", "unsent", "rejected", "failed"],
                                 weights=[80, 10, 5, 5])[0] if day_back > 2 else "unsent"
            claim = Claim(
                facility=rng.choice(facilities), scheme=scheme, patient=patient,
                source=f"demo:{day_back}:{n}:{scheme.code}",
                tracking_code=f"DM{day_back:03d}{n:02d}X", hid=f"9{day_back:06d}{n:07d}",
                service_date=day, status=status, total=total, insurer_share=insurer,
                registered_at=timezone.make_aware(dt.datetime.combine(day, dt.time(18))),
                patient_share=total - insurer, amount=insurer,
                reason={"rejected": "قیمت بیش از قیمت مصوب روز خدمت است.",
                        "failed": "بیمه‌گر در مهلت پاسخ نداد."}.get(status, ""),
                reason_code={"rejected": "price_above_tariff",
                             "failed": "exchange"}.get(status, ""))
            claims.append(claim)
            lines.append(ClaimLine(source=f"demo-line:{day_back}:{n}:{scheme.code}", code=code,
                                   quantity=quantity, unit_price=price, total=total,
                                   insurer_share=insurer, patient_share=total - insurer,
                                   amount=insurer, uid=f"62699{day_back:05d}{n:06d}",
                                   tracked=True))
    Claim.objects.bulk_create(claims)
    for claim, line in zip(claims, lines, strict=True):
        line.claim = claim
    ClaimLine.objects.bulk_create(lines)
    last_month = invoicing.month_of(invoicing.month_of(today).start - dt.timedelta(days=1))
    invoicing.invoices_generate(period=last_month.label)
    _review(last_month.label)
    return f"demo activity: {len(claims)} claims, invoices of {last_month.label}"


def _review(period: str) -> None:
    """One invoice reviewed with a deduction, one paid, the others submitted."""
    reviewer = Membership.objects.filter(role=Role.REVIEWER).first()
    if reviewer is None:
        return
    invoices = list(Invoice.objects.filter(period=period,
                                           scheme__insurer__facility=reviewer.facility)
                    .order_by("facility_id"))
    for index, invoice in enumerate(invoices):
        facility_member = Membership.objects.filter(facility=invoice.facility).first()
        invoicing.invoice_status_set(actor=facility_member, invoice=invoice, status="submitted")
        invoicing.invoice_status_set(actor=reviewer, invoice=invoice, status="under_review")
        line = ClaimLine.objects.filter(claim__invoice=invoice).order_by("id").first()
        if line is not None:
            invoicing.deduction_add(actor=reviewer, invoice=invoice, claim_line=line.pk,
                                    amount=max(1, line.amount // 4),
                                    reason=Deduction.Reason.PRICE_ABOVE_TARIFF)
        if index == 0:
            continue  # left under review for the desk
        invoicing.invoice_status_set(actor=reviewer, invoice=invoice, status="approved")
        invoicing.invoice_status_set(actor=reviewer, invoice=invoice, status="paid")


SIGNED_NOTE = "نمونه نسخه امضاشده"


def signed_prescription() -> str:
    """A lab prescription for Ali signed by Dr Ahmadi at Shafa, so the demo patient can
    print a signed paper copy at once. The demo key is made here, signs once and is
    revoked (its signature stays valid); the doctor makes a real one in the browser."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from accounts import services as accounts_services
    from prescriptions import services
    from prescriptions.models import Prescription

    if Prescription.objects.filter(note=SIGNED_NOTE).exists():
        return "demo signed prescription: already in place"
    doctor = Membership.objects.get(user__national_code="0012345679", role=Role.DOCTOR,
                                    facility__name="درمانگاه شفا")
    reception = Membership.objects.filter(role=Role.RECEPTION,
                                          facility=doctor.facility).first()
    visit = services.visit_admit(actor=reception, national_code="0089012348",
                                 doctor_id=doctor.pk).visit
    items = [{"code": "LAB-FBS", "quantity": 1, "instructions": "ناشتا، ۱۲ ساعت"}]
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    registered = accounts_services.doctor_key_register(membership=doctor,
                                                       public_key=pem.decode(),
                                                       label="demo (revoked)")
    content = services.prescription_signing_content(doctor=doctor, visit=visit, kind="lab",
                                                    items=items, note=SIGNED_NOTE)
    r, s = decode_dss_signature(key.sign(content.encode(), ec.ECDSA(hashes.SHA256())))
    signature = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    prescription = services.prescription_create(doctor=doctor, visit=visit, kind="lab",
                                                items=items, note=SIGNED_NOTE,
                                                signature=signature.decode())
    accounts_services.doctor_key_revoke(membership=doctor, key_id=registered.pk)
    services.visit_complete(doctor=doctor, visit=visit)
    return f"demo signed prescription: {prescription.tracking_code}"
