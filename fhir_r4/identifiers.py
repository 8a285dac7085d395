"""The URIs our FHIR resources name their identifiers and codes with: every one under
FHIR_IDENTIFIER_BASE, plus the few HL7 and SNOMED systems the mapping uses."""

from __future__ import annotations

from django.conf import settings

# Identifier systems (CONTRACT "FHIR R4 and operations"), and the few this site adds.
NATIONAL_CODE = "national-code"
FIDA = "fida"
UNIQUE_ID = "unique-id"  # site-issued, for people without a usable code and newborns
TRACKING_CODE = "tracking-code"
HID = "hid"
COUNCIL_NUMBER = "council-number"
SIAM_ID = "siam-id"
TTAC_UID = "ttac-uid"
INSURANCE_NUMBER = "insurance-number"
INSURER = "insurer"  # an insurer's code, for payors that are not an Organization here

# Code systems of ours.
CATALOG = "catalog"  # drug and service codes of the catalog (AMOX-500-CAP, LAB-CBC)
SPECIALTY = "specialty"  # prescribers' specialties (gp, cardiology)

# Patient identifiers and the Patient field each one is.
PATIENT_FIELDS = {NATIONAL_CODE: "national_code", FIDA: "fida_code", UNIQUE_ID: "unique_id"}

HL7 = "http://terminology.hl7.org/CodeSystem"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


def system(name: str) -> str:
    """`tracking-code` → https://noskhe.ir/fhir/sid/tracking-code"""
    return f"{settings.FHIR_IDENTIFIER_BASE.rstrip('/')}/{name}"


def name_of(uri: str) -> str | None:
    """The short name of one of our systems (`national-code`), or None for anyone else's."""
    base = settings.FHIR_IDENTIFIER_BASE.rstrip("/") + "/"
    if not uri.startswith(base):
        return None
    return uri[len(base):] or None


def identifier(name: str, value: str) -> dict:
    return {"system": system(name), "value": value}


def coding(name: str, code: str, display: str = "") -> dict:
    return {"system": system(name), "code": code, "display": display}
