from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pharmacy.models import Dispense, DispenseLine


class DispenseLineOut(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id")

    class Meta:
        model = DispenseLine
        fields = ["item", "quantity", "uid", "unit_price", "total", "insurer_share",
                  "supplementary_share", "patient_share"]


class TotalsOut(serializers.Serializer):
    total = serializers.IntegerField()
    insurer_share = serializers.IntegerField()
    supplementary_share = serializers.IntegerField()
    patient_share = serializers.IntegerField()


class PaymentOut(serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "card"])
    terminal_id = serializers.CharField()
    reference = serializers.CharField()


class RuleResultOut(serializers.Serializer):
    rule = serializers.CharField()
    level = serializers.ChoiceField(choices=["info", "warning", "reject"])
    message = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    related = serializers.DictField(required=False)


class DispenseOut(serializers.ModelSerializer):
    prescription = serializers.CharField(source="prescription.tracking_code")
    lines = DispenseLineOut(many=True)
    totals = serializers.SerializerMethodField()
    status = serializers.CharField(source="status_after")
    rule_results = RuleResultOut(many=True)
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Dispense
        fields = ["id", "prescription", "hid", "lines", "totals", "status", "rule_results",
                  "rules_tracking_id", "warnings_acknowledged", "payment", "started_at",
                  "ended_at"]

    @extend_schema_field(TotalsOut)
    def get_totals(self, obj: Dispense) -> dict:
        return {"total": obj.total, "insurer_share": obj.insurer_share,
                "supplementary_share": obj.supplementary_share,
                "patient_share": obj.patient_share}

    @extend_schema_field(PaymentOut(allow_null=True))
    def get_payment(self, obj: Dispense) -> dict | None:
        return obj.payment


class DispenseIn(serializers.Serializer):
    lines = serializers.JSONField()
    started_at = serializers.DateTimeField(required=False)
    payment = serializers.JSONField(required=False, allow_null=True)
    acknowledge_warnings = serializers.BooleanField(required=False, default=False)


class ResultIn(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    result = serializers.JSONField()


class PaperDispenseIn(serializers.Serializer):
    key = serializers.CharField(max_length=64)
    payload = serializers.CharField(max_length=4000)
    lines = serializers.JSONField()
    served_at = serializers.DateTimeField()
    payment = serializers.JSONField(required=False, allow_null=True)
    facility = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        max_value=2**63 - 1)


class PaperDispenseOut(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    status = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField(source="reason")
    tracking_code = serializers.CharField()
    served_at = serializers.DateTimeField()
    dispense = serializers.SerializerMethodField()

    def get_dispense(self, obj) -> dict | None:
        return DispenseOut(obj.dispense).data if obj.dispense_id else None
