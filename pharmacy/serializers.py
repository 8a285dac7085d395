from rest_framework import serializers

from accounts.identity import MAX_DB_ID
from pharmacy.models import Dispense, DispenseLine


class DispenseLineOut(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id")

    class Meta:
        model = DispenseLine
        fields = ["item", "quantity", "uid", "unit_price", "total", "insurer_share",
                  "patient_share"]


class DispenseOut(serializers.ModelSerializer):
    prescription = serializers.CharField(source="prescription.tracking_code")
    lines = DispenseLineOut(many=True)
    totals = serializers.SerializerMethodField()
    status = serializers.CharField(source="status_after")

    class Meta:
        model = Dispense
        fields = ["id", "prescription", "lines", "totals", "status", "started_at", "ended_at"]

    def get_totals(self, obj: Dispense) -> dict:
        return {"total": obj.total, "insurer_share": obj.insurer_share,
                "patient_share": obj.patient_share}


class DispenseIn(serializers.Serializer):
    lines = serializers.JSONField()
    started_at = serializers.DateTimeField(required=False)


class ResultIn(serializers.Serializer):
    item = serializers.IntegerField(min_value=1,
        max_value=MAX_DB_ID)
    result = serializers.JSONField()
