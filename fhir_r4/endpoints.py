"""One row per FHIR resource type: who may call it (the JSON API's roles), how a row is read
and searched (fhir_r4.selectors), shown (fhir_r4.mapping) and logged (fhir_r4.audit). The views,
the URLs and the CapabilityStatement are all drawn from this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from accounts.models import Membership, Role
from accounts.permissions import FULFILMENT_ROLES
from claims.api import CLAIMING_ROLES
from fhir_r4 import audit, mapping
from fhir_r4 import selectors as s
from fhir_r4.search import Search

# The roles of GET prescriptions/{tracking_code}: who may read a prescription at all.
CLINICAL_ROLES = (Role.DOCTOR, Role.PATIENT, *FULFILMENT_ROLES)
# Dispense records: the counter that made them and the patient they were for.
DISPENSE_ROLES = (Role.PATIENT, *FULFILMENT_ROLES)
# Prescribers and facilities, as every paper copy prints them: any membership.
DIRECTORY_ROLES = tuple(Role)


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # FHIR search parameter type: token or reference
    documentation: str


@dataclass(frozen=True)
class Endpoint:
    type: str
    roles: tuple[str, ...]
    params: tuple[Param, ...]
    get: Callable[[Membership, str], Any]
    search: Callable[[Membership, Search], Any]
    render: Callable[[list, Membership], list[dict]]
    # (request, rows, search or None for a read by id); None: no patient data to log
    audit: Callable[[Any, list, Search | None], None] | None = None

    @property
    def param_names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)


def _each(mapper: Callable[[Any], dict]) -> Callable[[list, Membership], list[dict]]:
    return lambda rows, viewer: [mapper(row) for row in rows]


def _patients(rows, viewer: Membership) -> list[dict]:
    return [mapping.patient(row, birth_date_in_full=viewer.role == Role.PATIENT)
            for row in rows]


def _claims(rows, viewer: Membership) -> list[dict]:
    coverages = s.claim_coverages(rows)
    return [mapping.claim(row, coverage_id=coverages.get(row.pk)) for row in rows]


def _logger(resource_type: str, *, read: str, listed: str,
            patient_of: Callable[[Any], Any], code_of: Callable[[Any], str]):
    """Log like the JSON API: a read names what was read (the tracking code where there is
    one), a search what it was searched by."""

    def log(request, rows, search: Search | None) -> None:
        if search is None:
            row = rows[0]
            audit.record(request, action=read, patients=[patient_of(row)],
                         target=code_of(row) or f"fhir:{resource_type}/{row.pk}")
            return
        token = search.token("identifier")
        audit.record(request, action=listed, patients=[patient_of(row) for row in rows],
                     target=token.value if token else f"fhir:{resource_type}")

    return log


def _item_patient(item):
    return item.prescription.patient


def _item_code(item) -> str:
    return item.prescription.tracking_code


_TOKEN = "token"
_REFERENCE = "reference"
PATIENT_PARAM = Param("patient", _REFERENCE, "بیمار: Patient/<id>")
PATIENT_IDENTIFIER = Param("patient.identifier", _TOKEN,
                           "کد ملی، کد فیدا یا شناسه یکتای بیمار (همان جستجوی پیشخوان)")
TRACKING = Param("identifier", _TOKEN, "کد رهگیری نسخه")

ENDPOINTS = (
    Endpoint(
        "Patient", CLINICAL_ROLES,
        (Param("identifier", _TOKEN, "کد ملی، کد فیدا یا شناسه یکتا"),),
        s.patient_get, s.patients_search, _patients,
        _logger("Patient", read=audit.PATIENT, listed=audit.PATIENT,
                patient_of=lambda p: p, code_of=lambda p: "")),
    Endpoint(
        "Practitioner", DIRECTORY_ROLES,
        (Param("identifier", _TOKEN, "شماره نظام پزشکی"),),
        s.practitioner_get, s.practitioners_search, _each(mapping.practitioner)),
    Endpoint(
        "Organization", DIRECTORY_ROLES,
        (Param("identifier", _TOKEN, "شناسه سیام مرکز"),),
        s.organization_get, s.organizations_search, _each(mapping.organization)),
    Endpoint(
        "Coverage", CLINICAL_ROLES,
        (Param("identifier", _TOKEN, "شماره بیمه"), PATIENT_PARAM,
         Param("beneficiary", _REFERENCE, "بیمه‌شده: Patient/<id>")),
        s.coverage_get, s.coverages_search, _each(mapping.coverage),
        _logger("Coverage", read=audit.PATIENT, listed=audit.PATIENT,
                patient_of=lambda c: c.patient, code_of=lambda c: "")),
    Endpoint(
        "MedicationRequest", CLINICAL_ROLES, (TRACKING, PATIENT_PARAM, PATIENT_IDENTIFIER),
        partial(s.order_item_get, kinds=s.MEDICATION_KINDS),
        partial(s.order_items_search, kinds=s.MEDICATION_KINDS),
        _each(mapping.medication_request),
        _logger("MedicationRequest", read=audit.READ, listed=audit.LIST,
                patient_of=_item_patient, code_of=_item_code)),
    Endpoint(
        "ServiceRequest", CLINICAL_ROLES, (TRACKING, PATIENT_PARAM, PATIENT_IDENTIFIER),
        partial(s.order_item_get, kinds=s.SERVICE_KINDS),
        partial(s.order_items_search, kinds=s.SERVICE_KINDS),
        _each(mapping.service_request),
        _logger("ServiceRequest", read=audit.READ, listed=audit.LIST,
                patient_of=_item_patient, code_of=_item_code)),
    Endpoint(
        "MedicationDispense", DISPENSE_ROLES,
        (Param("identifier", _TOKEN, "کد اصالت بسته (TTAC) یا شناسه شباد ارائه"),
         Param("prescription", _REFERENCE, "قلم نسخه: MedicationRequest/<id>"), PATIENT_PARAM),
        s.dispense_line_get, s.dispense_lines_search, _each(mapping.medication_dispense),
        _logger("MedicationDispense", read=audit.READ, listed=audit.LIST,
                patient_of=lambda line: line.dispense.prescription.patient,
                code_of=lambda line: line.dispense.prescription.tracking_code)),
    Endpoint(
        "Observation", CLINICAL_ROLES,
        (TRACKING, PATIENT_PARAM, PATIENT_IDENTIFIER,
         Param("based-on", _REFERENCE, "درخواست: ServiceRequest/<id>")),
        partial(s.result_get, kinds=s.OBSERVATION_KINDS),
        partial(s.results_search, kinds=s.OBSERVATION_KINDS), _each(mapping.observation),
        _logger("Observation", read=audit.RESULT, listed=audit.RESULT,
                patient_of=_item_patient, code_of=_item_code)),
    Endpoint(
        "DiagnosticReport", CLINICAL_ROLES,
        (TRACKING, PATIENT_PARAM, PATIENT_IDENTIFIER,
         Param("based-on", _REFERENCE, "درخواست: ServiceRequest/<id>")),
        partial(s.result_get, kinds=s.REPORT_KINDS),
        partial(s.results_search, kinds=s.REPORT_KINDS), _each(mapping.diagnostic_report),
        _logger("DiagnosticReport", read=audit.RESULT, listed=audit.RESULT,
                patient_of=_item_patient, code_of=_item_code)),
    Endpoint(
        "Claim", CLAIMING_ROLES,
        (Param("identifier", _TOKEN, "شناسه شباد یا کد رهگیری نسخه"), PATIENT_PARAM),
        s.claim_get, s.claims_search, _claims,
        _logger("Claim", read=audit.PATIENT, listed=audit.PATIENT,
                patient_of=lambda c: c.patient, code_of=lambda c: c.tracking_code or c.hid)),
)
