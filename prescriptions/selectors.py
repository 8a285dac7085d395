"""Reads of the prescribing domain, always for a viewer. Outsiders get the same 404."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import patients
from accounts.errors import Forbidden, Invalid, NotFound
from accounts.identity import db_id, latin_digits
from accounts.models import Membership, Patient, Role
from config.sql import CompiledRead
from prescriptions import counter_read
from prescriptions.errors import prescription_missing
from prescriptions.medications import Medication, medication_profile
from prescriptions.models import CatalogItem, Prescription, PrescriptionItem, Visit

LIST_LIMIT = counter_read.LIST_LIMIT


def _items() -> Prefetch:
    return Prefetch("items", queryset=PrescriptionItem.objects.select_related(
        "catalog_item").order_by("position", "id"))


def _with_people() -> QuerySet[Prescription]:
    return Prescription.objects.select_related(
        "patient__mother", "doctor__user", "doctor__practitioner", "facility")


def prescriptions_base() -> QuerySet[Prescription]:
    return _with_people().prefetch_related(_items())


# One prescription by tracking code, as its writer and as a counter reads it: a seven-table
# join that PostgreSQL took longer to plan than to run, compiled once and prepared (config.sql)
CODE_STAND_IN = "\x00tracking-code"
_written_by = CompiledRead(
    Prescription, lambda user_id, code: _with_people().filter(
        doctor__user_id=user_id, tracking_code=code)[:1], -900_001, CODE_STAND_IN,
    prefetch=(_items(),))
_of_kind = CompiledRead(
    Prescription, lambda kind, code: _with_people().filter(kind=kind, tracking_code=code)[:1],
    "\x00kind", CODE_STAND_IN, prefetch=(_items(),))


def prescriptions_visible_to(membership: Membership) -> QuerySet[Prescription]:
    """Doctor: what they wrote; patient: their own (and their newborns'); fulfilment roles:
    open prescriptions of their kind inside the validity window."""
    queryset = prescriptions_base()
    if membership.role == Role.DOCTOR:
        return queryset.filter(doctor__user_id=membership.user_id)
    if membership.role == Role.PATIENT:
        return queryset.filter(Q(patient__user_id=membership.user_id)
                               | Q(patient__mother__user_id=membership.user_id))
    if membership.is_fulfilment:
        return queryset.filter(kind=membership.kind_served).filter(
            Q(status__in=Prescription.OPEN_STATUSES, valid_until__gte=timezone.localdate())
            | Q(pk__in=served_by(membership.facility_id)))
    return queryset.none()


def open_for_fulfilment(membership: Membership) -> QuerySet[Prescription]:
    """What a counter's lookup lists: open prescriptions of its kind, inside the window."""
    return prescriptions_base().filter(kind=membership.kind_served,
                                       status__in=Prescription.OPEN_STATUSES,
                                       valid_until__gte=timezone.localdate())


def fulfilment_code(*, viewer: Membership, tracking_code: object) -> str:
    """The cleaned tracking code a fulfilment counter looks for; anyone else, or no code,
    is 404 (`prescription_missing`)."""
    code = tracking_code_clean(tracking_code)
    if not viewer.is_fulfilment or not code:
        raise prescription_missing()
    return code


def prescription_to_fulfil(*, viewer: Membership, tracking_code: str) -> Prescription:
    """A prescription of the counter's kind by its tracking code, whatever its status, so
    that dispensing a cancelled, expired or finished one is answered 409, not 404."""
    code = fulfilment_code(viewer=viewer, tracking_code=tracking_code)
    prescription = _of_kind.first(viewer.kind_served, code)
    if prescription is None:
        raise prescription_missing()
    return prescription


def served_by(facility_id: int) -> QuerySet:
    """Prescriptions this facility has dispensed or performed (it keeps seeing its own work).
    Named through the reverse relation so this app does not import the pharmacy app."""
    return Prescription.objects.filter(dispenses__facility_id=facility_id).values("pk")


def prescription_get(*, viewer: Membership, tracking_code: str) -> Prescription:
    code = tracking_code_clean(tracking_code)
    if viewer.role == Role.DOCTOR:
        prescription = _written_by.first(viewer.user_id, code) if code else None
    else:
        prescription = prescriptions_visible_to(viewer).filter(tracking_code=code).first()
    if prescription is None:
        raise prescription_missing()
    return prescription


def tracking_code_clean(value: object) -> str:
    return str(value or "").strip().upper()[:16]


def lookup(*, queryset: QuerySet[Prescription], identifier: object = None,
           tracking_code: object = None) -> QuerySet[Prescription]:
    """Narrow what a viewer may see (`queryset`) to a patient (any identifier; a mother's code also
    finds her newborns') and/or a tracking code. Shared by the counter page and the API."""
    if identifier not in (None, ""):
        queryset = queryset.filter(patient__in=patients.patients_for_lookup(identifier))
    if tracking_code not in (None, ""):
        queryset = queryset.filter(tracking_code=tracking_code_clean(tracking_code))
    return queryset.order_by("-created_at")


def counter_find(*, viewer: Membership, identifier: object = None,
                 tracking_code: object = None, after: tuple | None = None,
                 limit: int | None = None) -> list[Prescription]:
    """The counter's lookup, shared by its page and the API: open prescriptions of its kind,
    inside their window, for a patient (any identifier; a mother's code also finds her
    newborns') and/or a tracking code, newest first, at most `limit` (LIST_LIMIT) older than
    `after` (created_at, id): the API's pages. One hand-written
    SQL query (prescriptions/counter_read.py): the site's hottest read."""
    if not viewer.is_fulfilment:
        return []
    typed = (patients.identifier_for_lookup(identifier, probe_blocked=False)
             if identifier not in (None, "") else None)  # the query reads the block
    code = tracking_code_clean(tracking_code) if tracking_code not in (None, "") else ""
    return counter_read.open_for_counter(kind=viewer.kind_served, identifier=typed,
                                         tracking_code=code, after=after,
                                         limit=limit or counter_read.LIST_LIMIT)


def counter_lookup(*, viewer: Membership, query: str) -> list[Prescription]:
    """What a pharmacy or paraclinic counter's one search box finds: open prescriptions of
    its kind for a patient identifier (digits) or a tracking code (anything else)."""
    text = latin_digits(str(query or "")).strip().replace(" ", "")
    is_identifier = text.isdecimal()  # tracking codes always carry a letter
    if not text:
        raise Invalid(_("کد ملی یا کد رهگیری را وارد کنید."),
                      errors={"national_code": [_("لازم است.")]})
    return counter_find(viewer=viewer, identifier=text if is_identifier else None,
                        tracking_code=None if is_identifier else text)


def visits_base() -> QuerySet[Visit]:
    return Visit.objects.select_related("patient__mother", "doctor__user", "doctor__practitioner",
                                        "scheme__insurer", "supplementary_scheme__insurer",
                                        "facility")


def queue_of(doctor: Membership) -> QuerySet[Visit]:
    """Today's visits of this doctor membership, oldest first."""
    return visits_base().filter(doctor=doctor, day=timezone.localdate()).order_by("created_at")


def facility_visits_today(facility_id: int) -> QuerySet[Visit]:
    return visits_base().filter(facility_id=facility_id,
                                day=timezone.localdate()).order_by("created_at")


# the visit a doctor works on (every prescribing request): eleven tables, compiled once
_visit_of = CompiledRead(
    Visit, lambda pk, doctor_id: visits_base().filter(pk=pk, doctor_id=doctor_id)[:1],
    -900_001, -900_002)


def visit_get(*, viewer: Membership, visit_id: object) -> Visit:
    pk = db_id(visit_id)
    visit = _visit_of.first(pk, viewer.pk) if pk else None
    if visit is None:
        raise NotFound(_("ویزیت پیدا نشد."))
    return visit


def history_for(*, doctor: Membership, patient: Patient) -> QuerySet[Prescription]:
    """Every prescriber's prescriptions for the patient: only under a live consent grant."""
    from prescriptions.services import consent_live

    if consent_live(doctor=doctor, patient=patient) is None:
        raise Forbidden(_("برای دیدن سوابق، رضایت پیامکی بیمار لازم است."),
                        code="consent_required")
    return prescriptions_base().filter(patient=patient)


def current_medications(*, doctor: Membership, patient: Patient) -> list[Medication]:
    """The full «داروهای فعلی بیمار» panel, prescribers and all: only under a live consent
    grant (the rules' safety check sees the same list without one, but discloses less)."""
    history_for(doctor=doctor, patient=patient)  # raises without consent
    return medication_profile(patient)


def catalog_search(*, kind: str, query: str, limit: int = 20) -> list[CatalogItem]:
    """As-you-type search over code, Persian and Latin names (trigram index on PostgreSQL)."""
    from prescriptions.catalog import fold

    text = fold(query)[:60]
    if len(text) < 2:
        return []
    return list(CatalogItem.objects.filter(kind=kind, active=True, search_text__contains=text)
                .order_by("name_fa")[:limit])
