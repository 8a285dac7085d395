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


class ClaimTotalsOut(serializers.Serializer):
    total = serializers.IntegerField()
    insurer_share = serializers.IntegerField()
    supplementary_share = serializers.IntegerField()
    patient_share = serializers.IntegerField()
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
