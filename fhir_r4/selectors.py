"""What the FHIR API may read for a viewer, built on the JSON API's own selectors so both
answer alike: prescriptions through `prescriptions_visible_to`, a counter's work through
`served_by` and `dispenses_of`, claims by the viewer's facility.

One rule is stricter than a plain read of those: the JSON API never lists a counter the open
prescriptions of its kind unless it names a tracking code or a patient's identifier (its
lookup). FHIR ids are row numbers anyone can count through, so a counter reads by id only
its own facility's work, and finds open prescriptions by `identifier` (the tracking code) or
`patient.identifier` (the patient's code), as at the counter. Every "get" answers the same
404 for a row that does not exist and one the viewer may not see."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.errors import Invalid, NotFound
from accounts.identity import (
    db_id,
    normalize_fida_code,
    normalize_national_code,
    parse_patient_identifier,
    unique_id_is_valid,
)
from accounts.models import Facility, Membership, Patient, Practitioner, Role
from claims.models import Claim, ClaimLine, Coverage
from fhir_r4 import identifiers as ids
from fhir_r4.search import Search, Token
from pharmacy.models import Dispense, DispenseLine
from pharmacy.selectors import dispenses_of
from prescriptions import selectors as rx
from prescriptions.models import Kind, Prescription, PrescriptionItem, Visit

# MedicationRequest: drug items; ServiceRequest: lab, imaging and physio items (a doctor's
# in-office services are performed at the visit, not requested).
MEDICATION_KINDS = (Kind.DRUG,)
SERVICE_KINDS = (Kind.LAB, Kind.IMAGING, Kind.PHYSIO)


def _get(queryset: QuerySet, resource_id: object):
    pk = db_id(resource_id)
    row = queryset.filter(pk=pk).first() if pk else None
    if row is None:
        raise NotFound(_("پیدا نشد."))
    return row


def _tracking_code(token: Token) -> str | None:
    """The tracking code a token names, or None when it names another system's value."""
    if token.ours() not in (None, ids.TRACKING_CODE):
        return None
    return rx.tracking_code_clean(token.value)


# ---- prescriptions, their items and results ----

def prescriptions_readable(viewer: Membership, *, keyed: bool = False) -> QuerySet[Prescription]:
    """The viewer's prescriptions (`prescriptions_visible_to`); a counter's only as far as it
    served them unless the search is keyed by a tracking code or a patient's identifier."""
    queryset = rx.prescriptions_visible_to(viewer)
    if viewer.is_fulfilment and not keyed:
        queryset = queryset.filter(pk__in=rx.served_by(viewer.facility_id))
    return queryset


def _prescriptions_searched(viewer: Membership, search: Search, *,
                            kinds: tuple[str, ...]) -> QuerySet[Prescription]:
    token = search.token("identifier")
    by_patient = search.token("patient.identifier")
    queryset = prescriptions_readable(viewer, keyed=bool(token or by_patient)).filter(
        kind__in=kinds)
    if token is not None:
        queryset = queryset.filter(tracking_code=_tracking_code(token) or "")
    if by_patient is not None:
        if not _patient_system_fits(by_patient):
            return queryset.none()
        # The counter's own lookup: a mother's code finds her newborns too.
        queryset = rx.lookup(queryset=queryset, identifier=by_patient.value)
    patient_id = search.reference("patient", "Patient")
    if patient_id is not None:
        queryset = queryset.filter(patient_id=patient_id)
    return queryset


def items_base() -> QuerySet[PrescriptionItem]:
    return PrescriptionItem.objects.select_related(
        "catalog_item", "prescription__patient", "prescription__doctor__user",
        "prescription__doctor__practitioner", "prescription__facility")


def _items_of(prescriptions: QuerySet[Prescription]) -> QuerySet[PrescriptionItem]:
    return items_base().filter(prescription__in=prescriptions.values("pk")).order_by(
        "-prescription__created_at", "prescription_id", "position", "id")


def order_items_search(viewer: Membership, search: Search, *,
                       kinds: tuple[str, ...]) -> QuerySet[PrescriptionItem]:
    """MedicationRequest (drug items) and ServiceRequest (lab, imaging, physio items)."""
    return _items_of(_prescriptions_searched(viewer, search, kinds=kinds))


def order_item_get(viewer: Membership, item_id: object, *,
                   kinds: tuple[str, ...]) -> PrescriptionItem:
    return _get(_items_of(prescriptions_readable(viewer).filter(kind__in=kinds)), item_id)


# Observation: lab values and physio sessions; DiagnosticReport: lab and imaging reports.
OBSERVATION_KINDS = (Kind.LAB, Kind.PHYSIO)
REPORT_KINDS = (Kind.LAB, Kind.IMAGING)


def results_search(viewer: Membership, search: Search, *,
                   kinds: tuple[str, ...]) -> QuerySet[PrescriptionItem]:
    items = _items_of(_prescriptions_searched(viewer, search, kinds=kinds)).filter(
        result__isnull=False)
    order_id = search.reference("based-on", "ServiceRequest")
    if order_id is not None:
        items = items.filter(pk=order_id)
    return items


def result_get(viewer: Membership, item_id: object, *,
               kinds: tuple[str, ...]) -> PrescriptionItem:
    return _get(_items_of(prescriptions_readable(viewer).filter(kind__in=kinds))
                .filter(result__isnull=False), item_id)


# ---- dispenses ----

def _dispenses_readable(viewer: Membership) -> QuerySet[Dispense]:
    """A counter: its own facility's dispenses (`dispenses_of`); a patient: those of their
    own prescriptions. Prescribers see what was given on the prescription, not the
    dispense record, in the JSON API too."""
    if viewer.is_fulfilment:
        return dispenses_of(viewer)
    if viewer.role == Role.PATIENT:
        return Dispense.objects.filter(
            prescription__in=rx.prescriptions_visible_to(viewer).values("pk"))
    return Dispense.objects.none()


def _dispense_lines(viewer: Membership) -> QuerySet[DispenseLine]:
    return (DispenseLine.objects
            .filter(dispense__in=_dispenses_readable(viewer).values("pk"),
                    dispense__prescription__kind=Kind.DRUG)
            .select_related("item__catalog_item", "dispense__facility",
                            "dispense__prescription__patient")
            .order_by("-dispense__ended_at", "id"))


def dispense_lines_search(viewer: Membership, search: Search) -> QuerySet[DispenseLine]:
    lines = _dispense_lines(viewer)
    token = search.token("identifier")
    if token is not None:
        system = token.ours()
        if system == ids.TTAC_UID:
            lines = lines.filter(uid=token.value)
        elif system == ids.HID:
            lines = lines.filter(dispense__hid=token.value)
        elif system is None:
            lines = lines.filter(Q(uid=token.value) | Q(dispense__hid=token.value))
        else:
            lines = lines.none()
    order_id = search.reference("prescription", "MedicationRequest")
    if order_id is not None:
        lines = lines.filter(item_id=order_id)
    patient_id = search.reference("patient", "Patient")
    if patient_id is not None:
        lines = lines.filter(dispense__prescription__patient_id=patient_id)
    return lines


def dispense_line_get(viewer: Membership, line_id: object) -> DispenseLine:
    return _get(_dispense_lines(viewer), line_id)


# ---- patients and their cover ----

def patients_readable(viewer: Membership, *, keyed: bool = False) -> QuerySet[Patient]:
    """A patient: themselves and their newborns; a doctor: the patients of their
    prescriptions and of their visits at this site; a counter: the patients of the
    prescriptions it may read (`prescriptions_readable`)."""
    if viewer.role == Role.PATIENT:
        seen = Q(user_id=viewer.user_id) | Q(mother__user_id=viewer.user_id)
    else:
        seen = Q(pk__in=prescriptions_readable(viewer, keyed=keyed).values("patient_id"))
        if viewer.role == Role.DOCTOR:
            seen |= Q(pk__in=Visit.objects.filter(doctor=viewer).values("patient_id"))
    return Patient.objects.filter(seen).select_related("mother").order_by("pk")


def _patient_system_fits(token: Token) -> bool:
    """Whether a patient token's system (if any) is the kind of code its value is; the
    value's shape alone tells the kinds apart, so a FIDA code under `national-code` is no
    national code. A malformed value is left to the lookup's own 400."""
    system = token.ours()
    if system is None:
        return True
    if system not in ids.PATIENT_FIELDS:
        return False
    try:
        return parse_patient_identifier(token.value).kind == ids.PATIENT_FIELDS[system]
    except ValidationError:
        return True


def _patient_identifier_q(token: Token) -> Q | None:
    """The Patient rows a token names; None when nothing can carry it; a malformed code is a
    400, as everywhere a patient is looked up."""
    system = token.ours()
    try:
        if system is None:
            parsed = parse_patient_identifier(token.value)
            return Q(**{parsed.kind: parsed.value})
        if system == ids.NATIONAL_CODE:
            return Q(national_code=normalize_national_code(token.value))
        if system == ids.FIDA:
            return Q(fida_code=normalize_fida_code(token.value))
        if system == ids.UNIQUE_ID:
            return Q(unique_id=token.value) if unique_id_is_valid(token.value) else None
    except ValidationError as exc:
        raise Invalid(str(exc.messages[0]), errors={"identifier": exc.messages}) from None
    return None


def patients_search(viewer: Membership, search: Search) -> QuerySet[Patient]:
    token = search.token("identifier")
    patients = patients_readable(viewer, keyed=token is not None)
    if token is not None:
        matching = _patient_identifier_q(token)
        patients = patients.filter(matching) if matching is not None else patients.none()
    return patients


def patient_get(viewer: Membership, patient_id: object) -> Patient:
    return _get(patients_readable(viewer), patient_id)


def _coverages(viewer: Membership) -> QuerySet[Coverage]:
    return (Coverage.objects.filter(patient__in=patients_readable(viewer).values("pk"))
            .select_related("patient", "scheme__insurer").order_by("patient_id", "valid_from",
                                                                   "pk"))


def coverages_search(viewer: Membership, search: Search) -> QuerySet[Coverage]:
    coverages = _coverages(viewer)
    token = search.token("identifier")
    if token is not None:
        coverages = (coverages.filter(insurance_number=token.value)
                     if token.ours() in (None, ids.INSURANCE_NUMBER) else coverages.none())
    for name in ("patient", "beneficiary"):
        patient_id = search.reference(name, "Patient")
        if patient_id is not None:
            coverages = coverages.filter(patient_id=patient_id)
    return coverages


def coverage_get(viewer: Membership, coverage_id: object) -> Coverage:
    return _get(_coverages(viewer), coverage_id)


# ---- claims ----

def _claims(viewer: Membership) -> QuerySet[Claim]:
    """The facility's own claims, as `claims.selectors.claims_of` reads them."""
    return (Claim.objects.filter(facility_id=viewer.facility_id)
            .select_related("scheme__insurer", "patient", "facility")
            .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.order_by("id")))
            .order_by("-service_date", "-id"))


def claims_search(viewer: Membership, search: Search) -> QuerySet[Claim]:
    claims = _claims(viewer)
    token = search.token("identifier")
    if token is not None:
        system = token.ours()
        if system == ids.HID:
            claims = claims.filter(hid=token.value)
        elif system == ids.TRACKING_CODE:
            claims = claims.filter(tracking_code=rx.tracking_code_clean(token.value))
        elif system is None:
            claims = claims.filter(Q(hid=token.value)
                                   | Q(tracking_code=rx.tracking_code_clean(token.value)))
        else:
            claims = claims.none()
    patient_id = search.reference("patient", "Patient")
    if patient_id is not None:
        claims = claims.filter(patient_id=patient_id)
    return claims


def claim_get(viewer: Membership, claim_id: object) -> Claim:
    return _get(_claims(viewer), claim_id)


def claim_coverages(claims: list[Claim]) -> dict[int, int]:
    """claim id → the Coverage it was made under (the patient's cover by that scheme on the
    service date), in one query for a page of claims."""
    if not claims:
        return {}
    rows = Coverage.objects.filter(
        patient_id__in={c.patient_id for c in claims},
        scheme_id__in={c.scheme_id for c in claims}).order_by("-valid_from", "-pk")
    found = {}
    coverages = list(rows.values("pk", "patient_id", "scheme_id", "valid_from", "valid_to"))
    for claim in claims:
        for row in coverages:
            if (row["patient_id"], row["scheme_id"]) == (claim.patient_id, claim.scheme_id) \
                    and row["valid_from"] <= claim.service_date \
                    and (row["valid_to"] is None or claim.service_date <= row["valid_to"]):
                found[claim.pk] = row["pk"]
                break
    return found


# ---- the directory: prescribers and facilities ----

def practitioners_search(viewer: Membership, search: Search) -> QuerySet[Practitioner]:
    """Prescribers as the council registers them: what every paper copy prints (name,
    council number, specialty); never their national code."""
    practitioners = Practitioner.objects.order_by("council_number")
    token = search.token("identifier")
    if token is not None:
        practitioners = (practitioners.filter(council_number=token.value)
                         if token.ours() in (None, ids.COUNCIL_NUMBER) else practitioners.none())
    return practitioners


def practitioner_get(viewer: Membership, practitioner_id: object) -> Practitioner:
    return _get(Practitioner.objects.all(), practitioner_id)


def organizations_search(viewer: Membership, search: Search) -> QuerySet[Facility]:
    facilities = Facility.objects.order_by("pk")
    token = search.token("identifier")
    if token is not None:
        facilities = (facilities.filter(siam_id=token.value)
                      if token.ours() in (None, ids.SIAM_ID) else facilities.none())
    return facilities


def organization_get(viewer: Membership, facility_id: object) -> Facility:
    return _get(Facility.objects.all(), facility_id)
