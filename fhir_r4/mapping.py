"""Our rows as FHIR R4 resources: pure functions from a model row (with what the selectors
already joined) to the resource's JSON dict. No queries here; amounts are Rials (Money in
IRR), dates ISO, instants in Iran's time with their offset."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.identity import latin_digits
from accounts.models import Facility, Patient, Practitioner
from claims.models import Claim, Coverage, Insurer, Scheme
from fhir_r4 import identifiers as ids
from pharmacy.models import DispenseLine
from prescriptions.dosage import Frequency, Timing
from prescriptions.models import Kind, Prescription, PrescriptionItem

CURRENCY = "IRR"


def _clean(value):
    """FHIR JSON has no empty strings, arrays or objects, and no nulls."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned = [_clean(v) for v in value]
        return [v for v in cleaned if v not in (None, "", [], {})]
    return value


def instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _recorded(text: object) -> str | None:
    parsed = parse_datetime(text) if isinstance(text, str) else None
    return instant(parsed) if parsed and timezone.is_aware(parsed) else None


def money(rials: int) -> dict:
    return {"value": rials, "currency": CURRENCY}


def _number(value: Decimal | int | float) -> int | float:
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _finite(text: object) -> Decimal | None:
    """A number typed into a result ("11.2", "۱۳۲"), or None for words, NaN, infinity and
    magnitudes no lab reports (kept as text)."""
    if isinstance(text, bool):
        return None
    try:
        number = Decimal(latin_digits(str(text)).strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() and -30 <= number.adjusted() <= 15 else None


def reference(resource_type: str, pk: int, display: str = "") -> dict:
    return {"reference": f"{resource_type}/{pk}", "display": display}


def patient_reference(patient: Patient) -> dict:
    return reference("Patient", patient.pk, patient.full_name)


def _concept(system_name: str, code: str, display: str, text: str) -> dict:
    return {"coding": [ids.coding(system_name, code, display)], "text": text}


def _hl7(code_system: str, code: str, display: str = "") -> dict:
    return {"system": f"{ids.HL7}/{code_system}", "code": code, "display": display}


LOINC = "http://loinc.org"


def catalog_concept(item: PrescriptionItem) -> dict:
    """The site's catalog code, and the LOINC code of a lab test that has one."""
    concept = _concept(ids.CATALOG, item.code, item.catalog_item.name_en, item.name)
    loinc = item.loinc or item.catalog_item.loinc
    if loinc:
        concept["coding"].append({"system": LOINC, "code": loinc,
                                     "display": item.catalog_item.name_en})
    return concept


def _component_concept(entry: dict, fallback: str) -> dict:
    concept = {"text": entry.get("name") or fallback}
    if entry.get("loinc"):
        concept["coding"] = [{"system": LOINC, "code": entry["loinc"]}]
    return concept


# ---- people and organisations ----

def patient(row: Patient, *, birth_date_in_full: bool) -> dict:
    """Others than the patient see the year of birth only: the site shows them an age, never
    the date."""
    identifiers = [ids.identifier(name, getattr(row, field))
                   for name, field in ids.PATIENT_FIELDS.items() if getattr(row, field)]
    contact = []
    if row.is_newborn:
        contact.append({"relationship": [{"coding": [_hl7("v3-RoleCode", "MTH", "mother")],
                                          "text": "مادر"}],
                        "name": {"text": row.mother.full_name}})
    return _clean({
        "resourceType": "Patient",
        "id": str(row.pk),
        "identifier": identifiers,
        "active": True,
        "name": [{"use": "official", "text": row.full_name, "family": row.last_name,
                  "given": [row.first_name]}],
        "gender": {Patient.Sex.MALE: "male", Patient.Sex.FEMALE: "female"}.get(row.sex,
                                                                              "unknown"),
        "birthDate": (row.birth_date.isoformat() if birth_date_in_full
                      else f"{row.birth_date.year:04d}"),
        "contact": contact,
    })


def practitioner(row: Practitioner) -> dict:
    licensed = row.licence_problem(timezone.localdate()) is None
    specialty = str(row.get_specialty_display())
    return _clean({
        "resourceType": "Practitioner",
        "id": str(row.pk),
        "identifier": [ids.identifier(ids.COUNCIL_NUMBER, row.council_number)],
        "active": licensed,
        "name": [{"use": "official", "text": row.full_name}],
        "qualification": [{
            "code": _concept(ids.SPECIALTY, row.specialty, specialty, specialty),
            "period": {"end": row.valid_until.isoformat() if row.valid_until else None},
        }],
    })


def practitioner_reference(membership) -> dict:
    """A prescribing membership's licence (every doctor membership has one)."""
    return reference("Practitioner", membership.practitioner_id, membership.user.full_name)


ORGANIZATION_TYPE = {Facility.Kind.INSURER: ("ins", "Insurance Company")}


def organization(row: Facility) -> dict:
    code, display = ORGANIZATION_TYPE.get(row.kind, ("prov", "Healthcare Provider"))
    return _clean({
        "resourceType": "Organization",
        "id": str(row.pk),
        "identifier": [ids.identifier(ids.SIAM_ID, row.siam_id)],
        "active": row.is_active,
        "type": [{"coding": [_hl7("organization-type", code, display)],
                  "text": str(row.get_kind_display())}],
        "name": row.name,
        "address": [{"city": row.city, "line": [row.address]}],
    })


def organization_reference(row: Facility) -> dict:
    return reference("Organization", row.pk, row.name)


def insurer_reference(insurer: Insurer) -> dict:
    """An insurer with a facility (its reviewers' office) is an Organization here; any other
    is named by its code."""
    if insurer.facility_id:
        return reference("Organization", insurer.facility_id, insurer.name)
    return {"identifier": ids.identifier(ids.INSURER, insurer.code), "display": insurer.name}


def coverage(row: Coverage) -> dict:
    scheme: Scheme = row.scheme
    basic = not scheme.is_supplementary
    return _clean({
        "resourceType": "Coverage",
        "id": str(row.pk),
        "identifier": ([ids.identifier(ids.INSURANCE_NUMBER, row.insurance_number)]
                       if row.insurance_number else []),
        "status": "active",
        "type": {"text": str(scheme.get_kind_display())},
        "subscriberId": row.insurance_number,
        "beneficiary": patient_reference(row.patient),
        "period": {"start": row.valid_from.isoformat(),
                   "end": row.valid_to.isoformat() if row.valid_to else None},
        "payor": [insurer_reference(scheme.insurer)],
        "class": [{"type": {"coding": [_hl7("coverage-class", "plan", "Plan")]},
                   "value": scheme.code, "name": scheme.name}],
        # A supplementary fund pays after the basic one, a share of what the patient owes.
        "order": 1 if basic else 2,
        "costToBeneficiary": [{
            "type": {"coding": [_hl7("coverage-copay-type", "copaypct", "Copay Percentage")]},
            "valueQuantity": {"value": scheme.patient_share_percent, "unit": "%",
                              "system": ids.UCUM, "code": "%"},
        }] if basic else [],
    })


# ---- orders: MedicationRequest and ServiceRequest ----

def _progress(item: PrescriptionItem) -> str:
    """Where one item stands: active, completed, cancelled or expired."""
    rx = item.prescription
    if rx.status == Prescription.Status.CANCELLED:
        return "cancelled"
    if item.remaining == 0 or rx.status == Prescription.Status.DISPENSED:
        return "completed"
    if rx.status == Prescription.Status.EXPIRED or rx.is_past_validity:
        return "expired"
    return "active"


MEDICATION_STATUS = {"active": "active", "completed": "completed", "cancelled": "cancelled",
                     "expired": "stopped"}
SERVICE_STATUS = {"active": "active", "completed": "completed", "cancelled": "revoked",
                  "expired": "revoked"}

REPEAT = {
    Frequency.Q24H: {"frequency": 1, "period": 1, "periodUnit": "d"},
    Frequency.Q12H: {"frequency": 1, "period": 12, "periodUnit": "h"},
    Frequency.Q8H: {"frequency": 1, "period": 8, "periodUnit": "h"},
    Frequency.Q6H: {"frequency": 1, "period": 6, "periodUnit": "h"},
    Frequency.Q4H: {"frequency": 1, "period": 4, "periodUnit": "h"},
    Frequency.QOD: {"frequency": 1, "period": 2, "periodUnit": "d"},
    Frequency.WEEKLY: {"frequency": 1, "period": 1, "periodUnit": "wk"},
    Frequency.ONCE: {"count": 1},
}
# HL7 event timing; "empty stomach" has no code of its own and stays in the text.
WHEN = {Timing.BEFORE_FOOD: "AC", Timing.AFTER_FOOD: "PC", Timing.WITH_FOOD: "C",
        Timing.BEDTIME: "HS", Timing.MORNING: "MORN"}


def dosage(item: PrescriptionItem) -> dict:
    dose = item.dose
    instruction: dict = {"text": item.dosage, "patientInstruction": item.instructions}
    if dose is not None:
        repeat = dict(REPEAT.get(dose.frequency, {}))
        if dose.timing in WHEN:
            repeat["when"] = [WHEN[dose.timing]]
        instruction["timing"] = {"repeat": repeat}
        if dose.frequency == Frequency.PRN:
            instruction["asNeededBoolean"] = True
        instruction["doseAndRate"] = [{"doseQuantity": {"value": _number(dose.amount),
                                                        "unit": dose.unit}}]
    return instruction


def _tracking(rx: Prescription) -> dict:
    return ids.identifier(ids.TRACKING_CODE, rx.tracking_code)


def _meta(rx: Prescription) -> dict:
    # No versionId: a dispense changes an order's status without a new prescription version.
    return {"lastUpdated": instant(rx.updated_at)}


def medication_request(item: PrescriptionItem) -> dict:
    rx = item.prescription
    return _clean({
        "resourceType": "MedicationRequest",
        "id": str(item.pk),
        "meta": _meta(rx),
        "identifier": [_tracking(rx)],
        "groupIdentifier": _tracking(rx),
        "status": MEDICATION_STATUS[_progress(item)],
        "intent": "order",
        "category": [{"coding": [_hl7("medicationrequest-category", "outpatient",
                                      "Outpatient")]}],
        "medicationCodeableConcept": catalog_concept(item),
        "subject": patient_reference(rx.patient),
        "authoredOn": instant(rx.created_at),
        "requester": practitioner_reference(rx.doctor),
        "dosageInstruction": [dosage(item)],
        "dispenseRequest": {
            "validityPeriod": {"start": timezone.localtime(rx.created_at).date().isoformat(),
                               "end": rx.valid_until.isoformat()},
            "quantity": {"value": item.quantity},
        },
        "note": [{"text": rx.note}],
    })


SERVICE_CATEGORY = {
    Kind.LAB: ("108252007", "Laboratory procedure"),
    Kind.IMAGING: ("363679005", "Imaging"),
    Kind.PHYSIO: ("91251008", "Physical therapy procedure"),
}


def service_request(item: PrescriptionItem) -> dict:
    rx = item.prescription
    code, display = SERVICE_CATEGORY[rx.kind]
    return _clean({
        "resourceType": "ServiceRequest",
        "id": str(item.pk),
        "meta": _meta(rx),
        "identifier": [_tracking(rx)],
        "requisition": _tracking(rx),
        "status": SERVICE_STATUS[_progress(item)],
        "intent": "order",
        "category": [{"coding": [{"system": ids.SNOMED, "code": code, "display": display}],
                      "text": str(rx.get_kind_display())}],
        "code": catalog_concept(item),
        "quantityQuantity": {"value": item.quantity},
        "subject": patient_reference(rx.patient),
        "authoredOn": instant(rx.created_at),
        "requester": practitioner_reference(rx.doctor),
        "patientInstruction": item.instructions,
        "note": [{"text": rx.note}],
    })


# ---- what was given: MedicationDispense, one per dispensed pack (or part-pack) ----

def medication_dispense(line: DispenseLine) -> dict:
    dispense = line.dispense
    return _clean({
        "resourceType": "MedicationDispense",
        "id": str(line.pk),
        "identifier": [ids.identifier(ids.TTAC_UID, line.uid) if line.uid else None,
                       ids.identifier(ids.HID, dispense.hid) if dispense.hid else None],
        "status": "completed",
        "medicationCodeableConcept": catalog_concept(line.item),
        "subject": patient_reference(dispense.prescription.patient),
        "performer": [{"actor": organization_reference(dispense.facility)}],
        "authorizingPrescription": [reference("MedicationRequest", line.item_id)],
        "quantity": {"value": line.quantity},
        "whenPrepared": instant(dispense.started_at),
        "whenHandedOver": instant(dispense.ended_at),
        "note": [{"text": "از نسخه کاغذی (قطعی)"}] if dispense.paper else [],
    })


# ---- results: Observation and DiagnosticReport ----

INTERPRETATION = {"low": ("L", "Low"), "normal": ("N", "Normal"), "high": ("H", "High")}


def _range(text: str, unit: str) -> dict:
    """"70-100" → low 70, high 100 (and the text as written)."""
    parts = latin_digits(text).split("-", 1)
    low, high = (_finite(parts[0]), _finite(parts[1])) if len(parts) == 2 else (None, None)
    if low is None or high is None:
        return {"text": text}
    return {"low": {"value": _number(low), "unit": unit},
            "high": {"value": _number(high), "unit": unit}, "text": text}


UCUM = "http://unitsofmeasure.org"


def _quantity(number, unit: str) -> dict:
    """A value in its UCUM unit (system and code: the unit was checked as UCUM)."""
    quantity = {"value": _number(number), "unit": unit}
    if unit:
        quantity.update(system=UCUM, code=unit)
    return quantity


def _lab_value(entry: dict) -> dict:
    """value[x], referenceRange and interpretation of one lab value (or component)."""
    value, unit = entry.get("value"), entry.get("unit") or ""
    number = _finite(value)
    flag = INTERPRETATION.get(entry.get("flag") or "")
    return {
        **({"valueQuantity": _quantity(number, unit)} if number is not None
           else {"valueString": str(value)}),
        "referenceRange": [_range(entry["reference_range"], unit)]
        if entry.get("reference_range") else [],
        "interpretation": [{"coding": [_hl7("v3-ObservationInterpretation", *flag)]}]
        if flag else [],
    }


def _result_common(item: PrescriptionItem) -> dict:
    rx, result = item.prescription, item.result or {}
    recorded = _recorded(result.get("recorded_at"))
    return {
        "id": str(item.pk),
        "identifier": [_tracking(rx)],
        "basedOn": [reference("ServiceRequest", item.pk)],
        "status": "final",
        "code": catalog_concept(item),
        "subject": patient_reference(rx.patient),
        "effectiveDateTime": recorded,
        "issued": recorded,
        "performer": [{"display": result.get("recorded_by", "")}],
    }


def observation(item: PrescriptionItem) -> dict:
    """A lab value (or its components), or the physiotherapy sessions done."""
    result = item.result or {}
    resource = {"resourceType": "Observation", **_result_common(item)}
    if item.prescription.kind == Kind.PHYSIO:
        resource["category"] = [{"coding": [_hl7("observation-category", "therapy",
                                                 "Therapy")]}]
        resource["valueQuantity"] = {"value": result.get("sessions_done"), "unit": "جلسه"}
        resource["component"] = [{"code": {"text": "جلسات تجویزشده"},
                                  "valueQuantity": {"value": result.get("sessions_ordered"),
                                                    "unit": "جلسه"}}]
    else:
        resource["category"] = [{"coding": [_hl7("observation-category", "laboratory",
                                                 "Laboratory")]}]
        if "components" in result:
            resource["component"] = [{"code": _component_concept(c, item.name),
                                      **_lab_value(c)} for c in result["components"]]
        else:
            resource.update(_lab_value(result))
    resource["note"] = [{"text": result.get("note", "")}]
    return _clean(resource)


def diagnostic_report(item: PrescriptionItem) -> dict:
    """A lab report pointing at its Observation, or an imaging report's text."""
    result = item.result or {}
    lab = item.prescription.kind == Kind.LAB
    code, display = ("LAB", "Laboratory") if lab else ("RAD", "Radiology")
    common = _result_common(item)
    if result.get("study_uid"):  # the imaging study, by its DICOM Study Instance UID
        common["identifier"] = [*common["identifier"], {"system": "urn:dicom:uid",
                                                        "value": f"urn:oid:{result['study_uid']}"}]
    conclusion = (result.get("impression") or result.get("report", "")) if not lab else \
        result.get("report", "")
    return _clean({
        "resourceType": "DiagnosticReport",
        **common,
        "category": [{"coding": [_hl7("v2-0074", code, display)]}],
        "result": [reference("Observation", item.pk)] if lab else [],
        "conclusion": "\n\n".join(part for part in (conclusion, result.get("note", ""))
                                    if part),
        "presentedForm": [{"contentType": "text/plain; charset=utf-8", "title": "یافته‌ها",
                           "data": base64.b64encode(result["findings"].encode()).decode()}]
        if result.get("findings") else [],
    })


# ---- claims ----

CLAIM_TYPE = {Facility.Kind.PHARMACY: "pharmacy", Facility.Kind.OFFICE: "professional",
              Facility.Kind.CLINIC: "professional"}


def claim(row: Claim, *, coverage_id: int | None) -> dict:
    """One claim on one insurer; `total` is the whole price of its lines, what the insurer
    is asked for is its share (`insurer_share` or `supplementary_share` of the lines)."""
    scheme = row.scheme
    return _clean({
        "resourceType": "Claim",
        "id": str(row.pk),
        "identifier": [ids.identifier(ids.HID, row.hid) if row.hid else None,
                       ids.identifier(ids.TRACKING_CODE, row.tracking_code)
                       if row.tracking_code else None],
        "status": "active",
        "type": {"coding": [_hl7("claim-type",
                                 CLAIM_TYPE.get(row.facility.kind, "institutional"))]},
        "use": "claim",
        "patient": patient_reference(row.patient),
        "billablePeriod": {"start": row.service_date.isoformat(),
                           "end": row.service_date.isoformat()},
        "created": instant(row.registered_at),
        "insurer": insurer_reference(scheme.insurer),
        "provider": organization_reference(row.facility),
        "priority": {"coding": [_hl7("processpriority", "normal", "Normal")]},
        "insurance": [{"sequence": 1, "focal": True,
                       "coverage": (reference("Coverage", coverage_id, scheme.name)
                                    if coverage_id else {"display": scheme.name})}],
        "item": [{"sequence": n,
                  "productOrService": {"coding": [ids.coding(ids.CATALOG, line.code)]},
                  "quantity": {"value": line.quantity},
                  "unitPrice": money(line.unit_price),
                  "net": money(line.total)}
                 for n, line in enumerate(row.lines.all(), start=1)],
        "total": money(row.total),
    })
