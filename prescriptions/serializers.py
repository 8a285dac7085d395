"""The contract's shapes: Patient, Visit, Prescription, Item, RuleResult."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import MAX_DB_ID
from accounts.models import Patient
from accounts.serializers import FieldsBuiltOnce
from claims.eligibility import coverage_data
from claims.serializers import ClaimOut, NamedCodeOut, TotalsOut
from prescriptions import dosage
from prescriptions.dosage import Frequency, Timing
from prescriptions.models import Kind, Prescription, PrescriptionItem, Visit
from prescriptions.services import MAX_ITEMS, MAX_QUANTITY


class PatientOut(FieldsBuiltOnce, serializers.ModelSerializer):
    full_name = serializers.CharField()
    age = serializers.IntegerField()
    newborn_of = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = ["national_code", "fida_code", "unique_id", "unidentified", "full_name", "age",
                  "sex", "newborn_of"]

    def get_newborn_of(self, obj: Patient) -> str | None:
        """The mother's identifier while a newborn has no code of its own."""
        return obj.mother.identifier_value if obj.is_newborn else None


def doctor_data(membership) -> dict:
    return {"id": membership.pk, "full_name": membership.user.full_name,
            "council_number": membership.council_number, "specialty": membership.specialty}


def facility_data(facility) -> dict:
    return {"id": facility.pk, "name": facility.name, "kind": facility.kind}


class DoctorOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    council_number = serializers.CharField(allow_null=True)
    specialty = serializers.CharField(allow_null=True)


class SiteOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()


class SupplementaryOut(serializers.Serializer):
    insurer = NamedCodeOut()
    scheme = NamedCodeOut()
    percent = serializers.IntegerField()


class CoverageOut(serializers.Serializer):
    insurer = NamedCodeOut()
    scheme = NamedCodeOut()
    patient_share_percent = serializers.IntegerField()
    supplementary = SupplementaryOut(allow_null=True)


class RuleResultOut(FieldsBuiltOnce, serializers.Serializer):
    rule = serializers.CharField()
    level = serializers.ChoiceField(choices=["info", "warning", "reject"])
    message = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())
    related = serializers.DictField(required=False)


VALUE_SCHEMA = {"oneOf": [{"type": "number"}, {"type": "string", "maxLength": 100}],
                "description": "a number, or text such as \"positive\" or \"<5\""}


@extend_schema_field(VALUE_SCHEMA)
class ValueOutField(serializers.JSONField):
    """A lab value as recorded: a number or text."""


class LabValueOut(serializers.Serializer):
    name = serializers.CharField()
    value = ValueOutField()
    unit = serializers.CharField(help_text="UCUM")
    reference_range = serializers.CharField()
    flag = serializers.ChoiceField(choices=["low", "normal", "high"], allow_null=True)
    loinc = serializers.CharField(required=False)


class ResultOut(serializers.Serializer):
    """A recorded result: a lab value (or components), an imaging report, or sessions."""

    name = serializers.CharField(required=False)
    value = ValueOutField(required=False)
    unit = serializers.CharField(required=False)
    reference_range = serializers.CharField(required=False)
    flag = serializers.ChoiceField(choices=["low", "normal", "high"], required=False,
                                   allow_null=True)
    loinc = serializers.CharField(required=False)
    components = LabValueOut(many=True, required=False)
    report = serializers.CharField(required=False)
    findings = serializers.CharField(required=False)
    impression = serializers.CharField(required=False)
    study_uid = serializers.CharField(required=False)
    sessions_done = serializers.IntegerField(required=False)
    sessions_ordered = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False)
    recorded_at = serializers.DateTimeField(required=False)
    recorded_by = serializers.CharField(required=False)


class VisitOut(FieldsBuiltOnce, serializers.ModelSerializer):
    patient = PatientOut()
    coverage = serializers.SerializerMethodField()
    doctor = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["id", "hid", "patient", "coverage", "uncovered_reason", "doctor", "status",
                  "created_at"]

    @extend_schema_field(CoverageOut(allow_null=True))
    def get_coverage(self, obj: Visit) -> dict | None:
        return coverage_data(obj.scheme, obj.patient_share_percent, obj.supplementary_scheme)

    @extend_schema_field(DoctorOut)
    def get_doctor(self, obj: Visit) -> dict:
        return doctor_data(obj.doctor)


class DoseOut(FieldsBuiltOnce, serializers.Serializer):
    amount = serializers.CharField()
    unit = serializers.CharField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    timing = serializers.CharField()


@extend_schema_field(ResultOut(allow_null=True))
class ResultField(serializers.JSONField):
    """The stored result, typed in the schema by ResultOut."""


class ItemOut(FieldsBuiltOnce, serializers.ModelSerializer):
    dose = serializers.SerializerMethodField()
    result = ResultField(read_only=True)

    class Meta:
        model = PrescriptionItem
        fields = ["id", "code", "name", "quantity", "dispensed_quantity", "dosage", "dose",
                  "instructions", "unit_price", "total", "insurer_share", "supplementary_share",
                  "patient_share", "covered", "rules_tracking_id", "loinc", "result"]

    @extend_schema_field(DoseOut(allow_null=True))
    def get_dose(self, obj: PrescriptionItem) -> dict | None:
        """The structured dosage that `dosage` renders, when it was given as such."""
        dose = obj.dose
        return dose.as_dict() if dose else None


class PrescriptionOut(FieldsBuiltOnce, serializers.ModelSerializer):
    patient = PatientOut()
    doctor = serializers.SerializerMethodField()
    facility = serializers.SerializerMethodField()
    items = ItemOut(many=True)
    totals = serializers.SerializerMethodField()
    rule_results = RuleResultOut(many=True)
    signed = serializers.BooleanField()

    class Meta:
        model = Prescription
        fields = ["tracking_code", "kind", "status", "version", "patient", "doctor", "facility",
                  "hid", "created_at", "valid_until", "items", "totals", "rule_results",
                  "rules_tracking_id", "signed", "note"]

    @extend_schema_field(DoctorOut)
    def get_doctor(self, obj: Prescription) -> dict:
        return doctor_data(obj.doctor)

    @extend_schema_field(SiteOut)
    def get_facility(self, obj: Prescription) -> dict:
        return facility_data(obj.facility)

    @extend_schema_field(TotalsOut)
    def get_totals(self, obj: Prescription) -> dict:
        return {"total": obj.total, "insurer_share": obj.insurer_share,
                "supplementary_share": obj.supplementary_share,
                "patient_share": obj.patient_share}


class PatientIn(serializers.Serializer):
    national_code = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                          allow_null=True)
    fida_code = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                      allow_null=True)
    unidentified = serializers.BooleanField(required=False, default=False)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Patient.Sex.choices)
    mobile = serializers.CharField(max_length=32, required=False, allow_blank=True)
    mother_national_code = serializers.CharField(max_length=32, required=False,
                                                 allow_blank=True, allow_null=True)


class VisitIn(serializers.Serializer):
    national_code = serializers.CharField(max_length=32)
    doctor = serializers.IntegerField(required=False, allow_null=True, min_value=1,
        max_value=MAX_DB_ID)
    scheme = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                   help_text="the basic scheme (code) of a person with two")
    referral = serializers.CharField(max_length=10, required=False, allow_blank=True,
                                     help_text="a GP's referral code, for a specialist")


@extend_schema_field({"oneOf": [{"type": "number", "minimum": 0, "exclusiveMinimum": True,
                                  "maximum": 100},
                                 {"type": "string", "maxLength": 10}],
                       "description": "per dose, e.g. 1 or 0.5 (\"۱\", \"۰٫۵\" and \"نیم\" "
                                      "read too)"})
class AmountField(serializers.Field):
    """A dose amount as a JSON number or text, read by the domain's own parser."""

    def to_internal_value(self, data):
        if dosage.amount_clean(data) is None:
            raise serializers.ValidationError(_("مقدار هر نوبت باید عددی مثبت تا ۱۰۰ باشد."))
        return data


class DoseIn(FieldsBuiltOnce, serializers.Serializer):
    amount = AmountField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    timing = serializers.ChoiceField(choices=Timing.choices, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                 help_text="the dose unit; the catalog form's when absent")


class ItemIn(FieldsBuiltOnce, serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="a catalog code of the kind")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    dosage = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                   help_text="free-text dosage, when no structured dose")
    dose = DoseIn(required=False, allow_null=True)
    instructions = serializers.CharField(max_length=300, required=False, allow_blank=True)


def _items():
    return ItemIn(many=True, allow_empty=False, max_length=MAX_ITEMS)


class PrescriptionIn(FieldsBuiltOnce, serializers.Serializer):
    visit = serializers.IntegerField(min_value=1,
        max_value=MAX_DB_ID)
    kind = serializers.ChoiceField(choices=Kind.choices)
    items = _items()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    override_warnings = serializers.BooleanField(required=False, default=False)
    signature = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PrescriptionPatchIn(FieldsBuiltOnce, serializers.Serializer):
    items = _items()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    override_warnings = serializers.BooleanField(required=False, default=False)
    signature = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CodeIn(serializers.Serializer):
    code = serializers.CharField(max_length=16)



class MedicationOut(serializers.Serializer):
    """One of the patient's current medicines, as the consented panel shows it."""

    code = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.name")
    source = serializers.ChoiceField(choices=["prescribed", "dispensed"])
    date = serializers.DateField(source="on")
    until = serializers.DateField()
    quantity = serializers.IntegerField()
    dosage = serializers.CharField()
    tracking_code = serializers.CharField()
    prescriber = serializers.CharField()
    facility = serializers.CharField()


class ReferralIn(serializers.Serializer):
    visit = serializers.IntegerField(min_value=1, max_value=MAX_DB_ID)
    specialty = serializers.CharField(max_length=20)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ReferralOut(serializers.Serializer):
    code = serializers.CharField()
    patient = PatientOut()
    from_doctor = serializers.SerializerMethodField()
    specialty = serializers.CharField()
    note = serializers.CharField()
    valid_until = serializers.DateField()
    status = serializers.CharField(source="current_status")

    def get_from_doctor(self, obj) -> dict:
        return doctor_data(obj.from_doctor)


class ReferralDetailOut(ReferralOut):
    feedback = serializers.SerializerMethodField(
        help_text="the prescriptions of the specialist visit that used the referral")

    @extend_schema_field(PrescriptionOut(many=True))
    def get_feedback(self, obj) -> list:
        return PrescriptionOut(self.context.get("feedback", []), many=True).data


class PreviewItemOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField()
    covered = serializers.BooleanField()
    tariff = serializers.IntegerField(allow_null=True)
    total = serializers.IntegerField()
    insurer_share = serializers.IntegerField()
    supplementary_share = serializers.IntegerField()
    patient_share = serializers.IntegerField()


class AlternativeOut(FieldsBuiltOnce, serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.IntegerField()


class SuggestionOut(FieldsBuiltOnce, serializers.Serializer):
    code = serializers.CharField()
    alternative = AlternativeOut()
    patient_saving = serializers.IntegerField()


class PreviewOut(serializers.Serializer):
    items = PreviewItemOut(many=True)
    totals = TotalsOut()
    rule_results = RuleResultOut(many=True)
    suggestions = SuggestionOut(many=True)


class DetailOut(serializers.Serializer):
    detail = serializers.CharField(help_text="what happened, in Persian")


class ValidUntilOut(serializers.Serializer):
    valid_until = serializers.DateTimeField()


class InsurerHistoryOut(serializers.Serializer):
    prescriptions = PrescriptionOut(many=True)
    claims = ClaimOut(many=True)
    valid_until = serializers.DateTimeField(help_text="when the unlock lapses unless read again")


class PrescriptionCreatedOut(PrescriptionOut):
    """The create's 201: the prescription and cheaper alternatives (seed 002 §8-6)."""

    suggestions = SuggestionOut(many=True, read_only=True)

    class Meta(PrescriptionOut.Meta):
        fields = [*PrescriptionOut.Meta.fields, "suggestions"]
