"""The contract's Claim, and the bodies of the claims endpoints."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim, ClaimLine


class ClaimLineOut(serializers.ModelSerializer):
    class Meta:
        model = ClaimLine
        fields = ["id", "code", "quantity", "unit_price", "total", "insurer_share",
                  "supplementary_share", "patient_share", "amount", "uid"]


class NamedCodeOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class FacilityOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    siam_id = serializers.CharField()


class TotalsOut(serializers.Serializer):
    """The split of an amount in Rials (prescriptions, dispenses, claims)."""

    total = serializers.IntegerField()
    insurer_share = serializers.IntegerField()
    supplementary_share = serializers.IntegerField()
    patient_share = serializers.IntegerField()


class ClaimTotalsOut(TotalsOut):
    amount = serializers.IntegerField()


class ClaimOut(serializers.ModelSerializer):
    facility = serializers.SerializerMethodField()
    insurer = serializers.SerializerMethodField()
    scheme = serializers.SerializerMethodField()
    national_code = serializers.CharField(source="patient.identifier_value")
    patient = serializers.CharField(source="patient.full_name")
    lines = ClaimLineOut(many=True)
    totals = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "facility", "insurer", "scheme", "tracking_code", "national_code",
                  "patient", "hid", "service_date", "registered_at", "status", "reason",
                  "reason_code", "lines", "totals", "payment"]

    @extend_schema_field(FacilityOut)
    def get_facility(self, obj: Claim) -> dict:
        return {"id": obj.facility_id, "name": obj.facility.name,
                "siam_id": obj.facility.siam_id}

    @extend_schema_field(NamedCodeOut)
    def get_insurer(self, obj: Claim) -> dict:
        return {"code": obj.scheme.insurer.code, "name": obj.scheme.insurer.name}

    @extend_schema_field(NamedCodeOut)
    def get_scheme(self, obj: Claim) -> dict:
        return {"code": obj.scheme.code, "name": obj.scheme.name}

    @extend_schema_field(ClaimTotalsOut)
    def get_totals(self, obj: Claim) -> dict:
        return {"total": obj.total, "insurer_share": obj.insurer_share,
                "supplementary_share": obj.supplementary_share,
                "patient_share": obj.patient_share, "amount": obj.amount}

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_payment(self, obj: Claim) -> dict | None:
        if not obj.payment_method:
            return None
        return {"method": obj.payment_method, "terminal_id": obj.payment_terminal,
                "reference": obj.payment_reference}


def claim_data(claim: Claim) -> dict:
    """ClaimOut's shape built by hand: the exchange sends thousands a second, and DRF's
    field machinery is the slow part (a test keeps the two equal)."""
    insurer = claim.scheme.insurer
    return {
        "id": claim.pk,
        "facility": {"id": claim.facility_id, "name": claim.facility.name,
                     "siam_id": claim.facility.siam_id},
        "insurer": {"code": insurer.code, "name": insurer.name},
        "scheme": {"code": claim.scheme.code, "name": claim.scheme.name},
        "tracking_code": claim.tracking_code,
        "national_code": claim.patient.identifier_value,
        "patient": claim.patient.full_name,
        "hid": claim.hid,
        "service_date": claim.service_date.isoformat(),
        "registered_at": serializers.DateTimeField().to_representation(claim.registered_at),
        "status": claim.status, "reason": claim.reason, "reason_code": claim.reason_code,
        "lines": [{"id": line.pk, "code": line.code, "quantity": line.quantity,
                   "unit_price": line.unit_price, "total": line.total,
                   "insurer_share": line.insurer_share,
                   "supplementary_share": line.supplementary_share,
                   "patient_share": line.patient_share, "amount": line.amount,
                   "uid": line.uid} for line in claim.lines.all()],
        "totals": {"total": claim.total, "insurer_share": claim.insurer_share,
                   "supplementary_share": claim.supplementary_share,
                   "patient_share": claim.patient_share, "amount": claim.amount},
        "payment": None if not claim.payment_method else {
            "method": claim.payment_method, "terminal_id": claim.payment_terminal,
            "reference": claim.payment_reference},
    }


class ClaimListOut(serializers.Serializer):
    count = serializers.IntegerField()
    totals = ClaimTotalsOut()
    results = ClaimOut(many=True)


# The contract names the fields `from` and `to`; `from` is a Python keyword.
PeriodIn = type("PeriodIn", (serializers.Serializer,), {
    "__doc__": "A range of service dates (ISO or Jalali) and the funds (codes) it covers.",
    "from": serializers.CharField(max_length=20),
    "to": serializers.CharField(max_length=20),
    "schemes": serializers.ListField(child=serializers.CharField(max_length=32),
                                     max_length=50),
})


class AddedOut(serializers.Serializer):
    added = serializers.IntegerField()


class JobOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    detail = serializers.CharField()


class JobStartedOut(serializers.Serializer):
    job = JobOut()


class InvoiceLineOut(serializers.Serializer):
    claim_line = serializers.IntegerField()
    code = serializers.CharField()
    tracking_code = serializers.CharField()
    insurer_share = serializers.IntegerField()
    deduction = serializers.IntegerField()
    reason = serializers.CharField()


class InvoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    facility = FacilityOut()
    insurer = NamedCodeOut()
    scheme = NamedCodeOut()
    period = serializers.CharField()
    status = serializers.CharField()
    claims_count = serializers.IntegerField()
    claimed = serializers.IntegerField()
    deductions = serializers.IntegerField()
    payable = serializers.IntegerField()
    lines = InvoiceLineOut(many=True, required=False)


def invoice_data(invoice, *, rows: list[dict] | None = None) -> dict:
    """The contract's Invoice; `lines` (from claims.documents' rows) on the detail only."""
    data = {
        "id": invoice.pk,
        "facility": {"id": invoice.facility_id, "name": invoice.facility.name,
                     "siam_id": invoice.facility.siam_id},
        "insurer": {"code": invoice.scheme.insurer.code, "name": invoice.scheme.insurer.name},
        "scheme": {"code": invoice.scheme.code, "name": invoice.scheme.name},
        "period": invoice.period, "status": invoice.status,
        "claims_count": invoice.claims_count, "claimed": invoice.claimed,
        "deductions": invoice.deductions, "payable": invoice.payable,
    }
    if rows is not None:
        data["lines"] = [{"claim_line": r["line"].pk, "code": r["line"].code,
                          "tracking_code": r["line"].claim.tracking_code,
                          "insurer_share": r["line"].amount, "deduction": r["deduction"],
                          "reason": r["reason"]} for r in rows]
    return data


class DeductionIn(serializers.Serializer):
    claim_line = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    amount = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = serializers.CharField(max_length=40)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DeductionOut(serializers.Serializer):
    id = serializers.IntegerField()
    claim_line = serializers.IntegerField(source="claim_line_id")
    amount = serializers.IntegerField()
    reason = serializers.CharField()
    note = serializers.CharField()


class InvoiceStatusIn(serializers.Serializer):
    status = serializers.CharField(max_length=20)
