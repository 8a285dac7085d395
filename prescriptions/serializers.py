"""The contract's shapes: Patient, Visit, Prescription, Item, RuleResult."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import MAX_DB_ID
from accounts.models import Patient
from claims.eligibility import coverage_data
from prescriptions.dosage import Frequency
from prescriptions.models import Prescription, PrescriptionItem, Visit


class PatientOut(serializers.ModelSerializer):
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


class VisitOut(serializers.ModelSerializer):
    patient = PatientOut()
    coverage = serializers.SerializerMethodField()
    doctor = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["id", "hid", "patient", "coverage", "uncovered_reason", "doctor", "status",
                  "created_at"]

    def get_coverage(self, obj: Visit) -> dict | None:
        return coverage_data(obj.scheme, obj.patient_share_percent, obj.supplementary_scheme)

    def get_doctor(self, obj: Visit) -> dict:
        return doctor_data(obj.doctor)


class DoseOut(serializers.Serializer):
    amount = serializers.CharField()
    unit = serializers.CharField()
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    timing = serializers.CharField()


class ItemOut(serializers.ModelSerializer):
    dose = serializers.SerializerMethodField()

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


class PrescriptionOut(serializers.ModelSerializer):
    patient = PatientOut()
    doctor = serializers.SerializerMethodField()
    facility = serializers.SerializerMethodField()
    items = ItemOut(many=True)
    totals = serializers.SerializerMethodField()
    signed = serializers.BooleanField()

    class Meta:
        model = Prescription
        fields = ["tracking_code", "kind", "status", "version", "patient", "doctor", "facility",
                  "hid", "created_at", "valid_until", "items", "totals", "rule_results",
                  "rules_tracking_id", "signed", "note"]

    def get_doctor(self, obj: Prescription) -> dict:
        return doctor_data(obj.doctor)

    def get_facility(self, obj: Prescription) -> dict:
        return facility_data(obj.facility)

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


class PrescriptionIn(serializers.Serializer):
    visit = serializers.IntegerField(min_value=1,
        max_value=MAX_DB_ID)
    kind = serializers.CharField(max_length=16)
    items = serializers.JSONField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
    override_warnings = serializers.BooleanField(required=False, default=False)
    signature = serializers.CharField(required=False, allow_blank=True, max_length=200)


class PrescriptionPatchIn(serializers.Serializer):
    items = serializers.JSONField()
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


class AlternativeOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit_price = serializers.IntegerField()


class SuggestionOut(serializers.Serializer):
    code = serializers.CharField()
    alternative = AlternativeOut()
    patient_saving = serializers.IntegerField()


class PreviewOut(serializers.Serializer):
    items = PreviewItemOut(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())
    rule_results = serializers.ListField(child=serializers.DictField())
    suggestions = SuggestionOut(many=True)
