from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import MAX_DB_ID
from accounts.serializers import FieldsBuiltOnce
from pharmacy.models import Dispense, DispenseLine
from pharmacy.services import MAX_LINES, MAX_QUANTITY
from prescriptions.serializers import VALUE_SCHEMA, RuleResultOut, TotalsOut


class DispenseLineOut(FieldsBuiltOnce, serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id")

    class Meta:
        model = DispenseLine
        fields = ["item", "quantity", "uid", "unit_price", "total", "insurer_share",
                  "supplementary_share", "patient_share"]


class PaymentOut(serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "card"])
    terminal_id = serializers.CharField()
    reference = serializers.CharField()


class DispenseOut(FieldsBuiltOnce, serializers.ModelSerializer):
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


class LineIn(FieldsBuiltOnce, serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID,
                                    help_text="the prescription item's id")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    uid = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                allow_null=True,
                                help_text="the pack's 16-digit code, one pack per line")


class PaymentIn(FieldsBuiltOnce, serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "card"])
    terminal_id = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                        help_text="the POS terminal; required for card")
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True)


def _lines(most: int):
    return LineIn(many=True, allow_empty=False, max_length=most)


class DispenseIn(FieldsBuiltOnce, serializers.Serializer):
    lines = _lines(MAX_LINES)
    started_at = serializers.DateTimeField(required=False)
    payment = PaymentIn(required=False, allow_null=True)
    acknowledge_warnings = serializers.BooleanField(required=False, default=False)


@extend_schema_field(VALUE_SCHEMA)
class ValueField(serializers.Field):
    """A lab value: a number, or text such as "positive" or "<5"."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)) or data == "":
            raise serializers.ValidationError(_("مقدار نتیجه لازم است."))
        if isinstance(data, str) and len(data) > 100:
            raise serializers.ValidationError(_("مقدار حداکثر ۱۰۰ نویسه است."))
        return data


class LabValueIn(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    value = ValueField()
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True,
                                 help_text="UCUM, e.g. mg/dL; the test's own when absent")
    reference_range = serializers.CharField(max_length=50, required=False, allow_blank=True)
    flag = serializers.ChoiceField(choices=["low", "normal", "high"], required=False,
                                   allow_blank=True)


class ResultValueIn(serializers.Serializer):
    """One result: a lab value (or its components), an imaging report, or physiotherapy
    sessions done; the prescription's kind says which fields it needs."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    value = ValueField(required=False)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    reference_range = serializers.CharField(max_length=50, required=False, allow_blank=True)
    flag = serializers.ChoiceField(choices=["low", "normal", "high"], required=False,
                                   allow_blank=True)
    components = LabValueIn(many=True, required=False, allow_empty=False, max_length=50)
    report = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    findings = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    impression = serializers.CharField(max_length=20_000, required=False, allow_blank=True)
    study_uid = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        help_text="the DICOM study instance UID",
        error_messages={"max_length": _("شناسه مطالعه DICOM نامعتبر است (ارقام و نقطه، "
                                        "حداکثر ۶۴).")})
    sessions_done = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY,
                                             required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ResultIn(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID)
    result = ResultValueIn()


class PaperLineIn(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="the item's catalog code")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    uids = serializers.ListField(child=serializers.CharField(max_length=40), required=False,
                                 max_length=100, help_text="the packs' codes, one per pack")


@extend_schema_field(PaperLineIn(many=True))
class PaperLinesField(serializers.JSONField):
    """Typed in the schema, read leniently: the drugs were already given on paper, so a
    bad line becomes a 409 conflict kept for reviewers (pharmacy.outage), never a 400 that
    leaves no trace."""


class PaperDispenseIn(serializers.Serializer):
    key = serializers.CharField(max_length=64)
    payload = serializers.CharField(max_length=4000)
    lines = PaperLinesField()
    served_at = serializers.DateTimeField()
    payment = PaymentIn(required=False, allow_null=True)
    facility = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                        max_value=MAX_DB_ID)


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
