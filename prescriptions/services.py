"""The prescribing domain's verbs: register patients, admit visits, prescribe, edit, cancel,
complete visits and ask for history consent. Each is one transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import otp_limits, patients, throttle
from accounts import services as accounts_services
from accounts import signing as accounts_signing
from accounts.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    RulesRejected,
    Unverifiable,
)
from accounts.identity import db_id, latin_digits
from accounts.jalali import fa_digits
from accounts.models import AccessLog, Membership, Patient, Practitioner, Role, SMSDevice
from claims import services as claims_services
from claims.eligibility import basic_covers, coverage_data, new_hid
from config.sql import CompiledInRead, execute, hold_prefetched, insert_rows, quoted
from prescriptions import money, patient_notices, referrals, rules
from prescriptions.dosage import UNIT_FOR_FORM, Dose, dose_clean
from prescriptions.errors import prescription_missing
from prescriptions.medications import medication_profile, safety_check_log
from prescriptions.models import (
    CatalogItem,
    ConsentGrant,
    Kind,
    Prescription,
    PrescriptionItem,
    PrescriptionVersion,
    Visit,
)

MAX_ITEMS = 20
MAX_QUANTITY = 10_000
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def new_tracking_code() -> str:
    """10 characters, about 50 random bits: unguessable and not sequential. Never all
    digits, so a counter's one search box tells it from a national code or FIDA code."""
    while True:
        bits = secrets.randbits(50)  # one draw: ten 5-bit letters of the 32-letter alphabet
        code = "".join(TRACKING_ALPHABET[(bits >> shift) & 31] for shift in range(0, 50, 5))
        if not code.isdecimal():
            return code


# ---- visits ----

def _doctor_at(facility_id: int, doctor_id: object) -> Membership:
    pk = db_id(doctor_id)
    doctor = (
        Membership.objects.select_related("user", "facility", "practitioner")
        .filter(pk=pk, role=Role.DOCTOR, facility_id=facility_id, is_active=True).first()
        if pk else None
    )
    if doctor is None:
        raise Invalid(_("پزشک انتخاب‌شده در این مرکز نیست."),
                      errors={"doctor": [_("پزشک نامعتبر است.")]})
    return doctor


@dataclass(frozen=True)
class Admission:
    visit: Visit
    created: bool


def _cover_for(patient: Patient, day: dt.date, scheme: object):
    """The cover a visit carries: the only one, or the one reception chose of two (409
    `overlap`, naming both, when none is chosen; 400 for a scheme the person lacks)."""
    covers = basic_covers(patient, day)
    code = str(scheme or "").strip().upper()[:32]
    if code:
        chosen = next((c for c in covers if c.scheme.code == code), None)
        if chosen is None:
            message = _("این بیمار بیمه «{c}» ندارد.").format(c=code)
            raise Invalid(message, code="scheme", errors={"scheme": [message]})
        return chosen
    if len(covers) > 1:
        raise Conflict(_("این بیمار دو بیمه پایه دارد؛ یکی را انتخاب کنید."), code="overlap",
                       coverages=[coverage_data(c.scheme, c.patient_share_percent,
                                                c.supplementary) for c in covers])
    return covers[0] if covers else None


def visit_admit(*, actor: Membership, national_code: object, doctor_id: object = None,
                ip: str | None = None, scheme: object = "",
                referral: object = "") -> Admission:
    """Admit a patient into a doctor's queue today; double submits return the same visit."""
    if actor.role not in (Role.RECEPTION, Role.DOCTOR):
        raise Forbidden(_("فقط پذیرش یا پزشک می‌تواند بیمار را پذیرش کند."))
    patient = patients.patient_find(national_code)
    if doctor_id in (None, ""):
        if actor.role != Role.DOCTOR:
            raise Invalid(_("پزشک را انتخاب کنید."), errors={"doctor": [_("لازم است.")]})
        doctor = actor
    else:
        doctor = _doctor_at(actor.facility_id, doctor_id)
    today = timezone.localdate()
    existing = _waiting_visit(doctor, patient, today)
    if existing:
        if str(referral or "").strip() and existing.uncovered_reason == "referral":
            return Admission(_covered_by_referral(existing, referral, scheme, today), False)
        return Admission(existing, False)
    eligibility = _cover_for(patient, today, scheme)
    used, uncovered = None, ""
    if eligibility is not None and referrals.needed(eligibility.scheme, doctor):
        used = referrals.referral_for(patient=patient, doctor=doctor, code=referral, day=today)
        if used is None:  # the scheme pays a specialist only on a GP's referral
            eligibility, uncovered = None, "referral"
    for _attempt in range(5):
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    uncovered_reason=uncovered,
                    hid=new_hid(), facility_id=actor.facility_id, doctor=doctor,
                    patient=patient, admitted_by=actor, day=today,
                    scheme=eligibility.scheme if eligibility else None,
                    patient_share_percent=(eligibility.patient_share_percent
                                           if eligibility else 100),
                    supplementary_scheme=eligibility.supplementary if eligibility else None,
                    supplementary_percent=(eligibility.supplementary_percent
                                           if eligibility else 0),
                )
                if used is not None and not referrals.referral_use(used, visit):
                    raise Conflict(_("این ارجاع هم‌زمان در پذیرش دیگری استفاده شد."),
                                   code="referral_used")
                accounts_services.access_log_record(
                    action=AccessLog.Action.PATIENT_READ, actor=actor.user, membership=actor,
                    patient=patient, target=f"visit:{visit.hid}", ip=ip)
            return Admission(visit, True)
        except IntegrityError:
            existing = _waiting_visit(doctor, patient, today)
            if existing:  # a concurrent double submit won the race
                return Admission(existing, False)
    raise Conflict(_("صدور شناسه شباد ممکن نشد؛ دوباره تلاش کنید."))


def _covered_by_referral(visit: Visit, code: object, scheme: object, day: dt.date) -> Visit:
    """The referral shown after an uncovered admission: the waiting visit takes its cover
    and the referral is used, in one transaction (conditional updates on both)."""
    eligibility = _cover_for(visit.patient, day, scheme)
    if eligibility is None:
        return visit
    used = referrals.referral_for(patient=visit.patient, doctor=visit.doctor, code=code,
                                  day=day)
    with transaction.atomic():
        covered = Visit.objects.filter(pk=visit.pk, uncovered_reason="referral",
                                       status=Visit.Status.WAITING).update(
            uncovered_reason="", scheme=eligibility.scheme,
            patient_share_percent=eligibility.patient_share_percent,
            supplementary_scheme=eligibility.supplementary,
            supplementary_percent=eligibility.supplementary_percent)
        if covered and not referrals.referral_use(used, visit):
            raise Conflict(_("این ارجاع هم‌زمان در پذیرش دیگری استفاده شد."),
                           code="referral_used")
    return _waiting_visit(visit.doctor, visit.patient, day) or visit


def _waiting_visit(doctor: Membership, patient: Patient, day: dt.date) -> Visit | None:
    return (Visit.objects.select_related("patient__mother", "scheme__insurer",
                                         "supplementary_scheme__insurer", "doctor__user",
                                         "doctor__practitioner")
            .filter(doctor=doctor, patient=patient, day=day, status=Visit.Status.WAITING)
            .first())


def visit_start(*, visit: Visit) -> None:
    """A waiting visit is in progress from its first prescription: one conditional UPDATE,
    written by hand and prepared (it runs in every first prescription's transaction)."""
    table, c = quoted(Visit)
    execute(f"UPDATE {table} SET {c['status']} = %s "  # noqa: S608 - names only
            f"WHERE {c['id']} = %s AND {c['status']} = %s",
            [Visit.Status.IN_PROGRESS.value, visit.pk, Visit.Status.WAITING.value])


def visit_complete(*, doctor: Membership, visit: Visit) -> Visit:
    """Confirm the visit (seed 001 step 7) and record what the insurers owe for it: the
    visit, and the in-office services the doctor registered during it, now performed."""
    with transaction.atomic():
        locked = (Visit.objects.select_for_update(of=("self",))
                  .select_related("patient", "facility", "scheme", "supplementary_scheme")
                  .get(pk=visit.pk))
        if locked.doctor_id != doctor.pk:
            raise NotFound(_("ویزیت پیدا نشد."))
        if locked.status == Visit.Status.DONE:
            return locked
        locked.status = Visit.Status.DONE
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at"])
        lines = []
        item = _visit_catalog_item(doctor)
        if item is not None:
            split = money.split(unit_price=item.unit_price, quantity=1,
                                patient_share_percent=locked.patient_share_percent,
                                covered=locked.scheme_id is not None,
                                supplementary_percent=locked.supplementary_percent)
            lines.append(claims_services.LineIn(
                source=f"visit:{locked.pk}", code=item.code, quantity=1,
                unit_price=item.unit_price, **split.as_dict()))
        lines += _services_perform(locked)
        claims_services.claims_record(
            event=claims_services.EventIn(
                source=f"visit:{locked.pk}", facility=locked.facility, patient=locked.patient,
                service_date=locked.day, hid=locked.hid, visit_id=locked.pk,
                prescriber_specialty=doctor.specialty),
            scheme=locked.scheme, supplementary=locked.supplementary_scheme, lines=lines)
    return locked


def _services_perform(visit: Visit) -> list[claims_services.LineIn]:
    """The doctor's in-office services (injection, dressing, ECG…) are done in the visit:
    confirming it performs them, to be claimed at the prices they were registered with."""
    services = list(Prescription.objects.select_for_update().filter(
        visit=visit, kind=Kind.SERVICE, status=Prescription.Status.ACTIVE))
    if not services:
        return []
    items = list(PrescriptionItem.objects.filter(prescription__in=services))
    PrescriptionItem.objects.filter(pk__in=[i.pk for i in items]).update(
        dispensed_quantity=F("quantity"), last_given_at=timezone.now())
    Prescription.objects.filter(pk__in=[p.pk for p in services]).update(
        status=Prescription.Status.DISPENSED, updated_at=timezone.now())
    return [claims_services.LineIn(
        source=f"service-item:{i.pk}", code=i.code, quantity=i.quantity,
        unit_price=i.unit_price, total=i.total, insurer_share=i.insurer_share,
        supplementary_share=i.supplementary_share, patient_share=i.patient_share, item_id=i.pk)
        for i in items if i.covered or i.total]


def _visit_catalog_item(doctor: Membership) -> CatalogItem | None:
    specialty_code = f"VISIT-{doctor.specialty.upper()}" if doctor.specialty else ""
    items = {i.code: i for i in CatalogItem.objects.filter(
        kind=CatalogItem.ItemKind.VISIT, active=True, code__in=[specialty_code, "VISIT-GP"])}
    return items.get(specialty_code) or items.get("VISIT-GP")


# ---- prescriptions ----

@dataclass(frozen=True)
class ItemInput:
    item: CatalogItem
    quantity: int
    dosage: str
    instructions: str
    dose: Dose | None = None


def whole_number(value: object) -> int | None:
    """An int, or a string of digits, or an integral float; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# the catalog rows of a prescription's codes (every prescribing request): compiled once per
# number of codes, and prepared (config.sql)
_active_by_code = CompiledInRead(
    CatalogItem, lambda codes: CatalogItem.objects.filter(code__in=codes, active=True),
    lambda i: f"\x00code-{i}")


def items_clean(raw_items: object, *, kind: str) -> list[ItemInput]:
    """Validate the item list against the catalog; every problem reported per item."""
    if not isinstance(raw_items, list) or not raw_items:
        raise Invalid(_("نسخه دست‌کم یک قلم لازم دارد."),
                      errors={"items": [_("فهرست اقلام خالی یا نامعتبر است.")]})
    if len(raw_items) > MAX_ITEMS:
        raise Invalid(_("هر نسخه حداکثر {n} قلم دارد.").format(n=fa_digits(MAX_ITEMS)),
                      errors={"items": [_("تعداد اقلام زیاد است.")]})
    codes = [str(r.get("code", "")).strip().upper()[:32] if isinstance(r, dict) else ""
             for r in raw_items]
    catalog = {i.code: i for i in _active_by_code(codes)}
    errors: dict[int, dict[str, list[str]]] = {}
    cleaned: list[ItemInput] = []
    for index, (raw, code) in enumerate(zip(raw_items, codes, strict=True)):
        problems: dict[str, list[str]] = {}
        if not isinstance(raw, dict):
            errors[index] = {"non_field_errors": [_("هر قلم باید یک شیء باشد.")]}
            continue
        item = catalog.get(code)
        if item is None:
            problems["code"] = [_("کد «{c}» در فهرست نیست.").format(c=code)]
        elif item.kind != kind:
            problems["code"] = [_("«{c}» از نوع این نسخه نیست.").format(c=code)]
        quantity = whole_number(raw.get("quantity"))
        if quantity is None or quantity <= 0:
            problems["quantity"] = [_("تعداد باید عدد صحیح مثبت باشد.")]
        elif quantity > MAX_QUANTITY:
            problems["quantity"] = [_("تعداد بیش از حد مجاز است.")]
        dosage, instructions = raw.get("dosage") or "", raw.get("instructions") or ""
        if not isinstance(dosage, str) or len(dosage) > 100:
            problems["dosage"] = [_("دستور مصرف حداکثر ۱۰۰ نویسه است.")]
        if not isinstance(instructions, str) or len(instructions) > 300:
            problems["instructions"] = [_("توضیحات حداکثر ۳۰۰ نویسه است.")]
        dose, dose_problems = dose_clean(raw.get("dose"))
        problems.update(dose_problems)
        if problems:
            errors[index] = problems
            continue
        if dose is not None and not dose.unit and item is not None:
            dose = replace(dose, unit=UNIT_FOR_FORM.get(item.form, "عدد"))
        # A structured dose is shown as its Persian line; free text stays as typed.
        text = dose.line() if dose is not None else dosage.strip()
        cleaned.append(ItemInput(item, quantity, text[:100], instructions.strip(), dose))
    if errors:
        first = next(iter(next(iter(errors.values())).values()))[0]
        raise Invalid(first, errors={"items": {str(k): v for k, v in errors.items()}})
    return cleaned


def kind_clean(kind: object) -> str:
    if kind not in Kind.values:
        raise Invalid(_("نوع نسخه نامعتبر است."), errors={"kind": [_("یکی از drug، lab، "
                                                                        "imaging، physio")]})
    return str(kind)


def note_clean(note: object) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > 500:
        raise Invalid(_("یادداشت حداکثر ۵۰۰ نویسه است."), errors={"note": [_("نامعتبر")]})
    return note.strip()


def _evaluate(*, visit: Visit, doctor: Membership, items: list[ItemInput], day: dt.date,
              kind: str, editing: int | None = None, preview: bool = False,
              log_read: list | None = None) -> rules.Evaluation:
    """Both engines over the new items; drugs also against the patient's current medicines
    from every prescriber (no consent needed: a safety check, logged as such). A writer
    passes `log_read` and gets the log's write in it, to make with its own (`_read_logged`)."""
    profile = (medication_profile(visit.patient, day=day, exclude_prescription_id=editing,
                                  known={i.item.pk: i.item for i in items})
               if kind == Kind.DRUG else [])
    log = functools.partial(safety_check_log, membership=doctor, patient=visit.patient,
                            profile=profile, dedupe=preview)
    if log_read is None:
        log()
    else:
        log_read.append(log)
    return rules.evaluate(
        patient=visit.patient, doctor=doctor,
        lines=[rules.Line(i.item, i.quantity) for i in items],
        scheme_id=visit.scheme_id, patient_share_percent=visit.patient_share_percent, day=day,
        profile=profile, supplementary_percent=visit.supplementary_percent,
    )


@contextlib.contextmanager
def _read_logged(log_read: list):
    """The safety check's log row is written inside the write's transaction (one commit,
    not two, per prescription); if the block fails or is refused (warnings to confirm),
    the row is written on its own after the rollback: every read lands in the log."""
    try:
        yield
    except BaseException:
        for log in log_read:
            with contextlib.suppress(DatabaseError):  # the database itself is what failed
                log()
        raise


def prescription_preview(*, doctor: Membership, visit: Visit, kind: object,
                         items: object, editing: str = "") -> rules.Evaluation:
    """The rule results and cost split the doctor sees before registering."""
    kind = kind_clean(kind)
    cleaned = items_clean(items, kind=kind)
    editing_id = (Prescription.objects.filter(tracking_code=editing, doctor__user_id=doctor.user_id)
                  .values_list("pk", flat=True).first() if editing else None)
    return _evaluate(visit=visit, doctor=doctor, items=cleaned, day=timezone.localdate(),
                     kind=kind, editing=editing_id, preview=True)


def _require_prescriber(doctor: Membership) -> None:
    """The licence is read from the person's one council record at the moment of
    prescribing: a suspension or expiry stops every site at once."""
    if doctor.role != Role.DOCTOR:
        raise Forbidden(_("فقط پزشک نسخه می‌نویسد."))
    # the record loaded with the membership for this request, else read now
    cached = Membership.practitioner.field
    practitioner = cached.get_cached_value(doctor) if cached.is_cached(doctor) else None
    if practitioner is None and doctor.practitioner_id:
        practitioner = Practitioner.objects.filter(pk=doctor.practitioner_id).first()
    problem = (practitioner.licence_problem(timezone.localdate()) if practitioner
               else _("برای این عضویت پروانه تجویزگر ثبت نشده است."))
    if problem:
        raise Forbidden(problem, code="licence")


def _approve(evaluation: rules.Evaluation, override_warnings: bool) -> None:
    if evaluation.rejected:
        raise RulesRejected(_("قواعد، این نسخه را رد کردند."), code="rules_reject",
                            rule_results=evaluation.result_dicts())
    if evaluation.has_warnings and not override_warnings:
        raise RulesRejected(_("هشدارها را بررسی و تأیید کنید."), code="rules_warning",
                            rule_results=evaluation.result_dicts())


def _write_items(prescription: Prescription, items: list[ItemInput],
                 evaluation: rules.Evaluation) -> list[PrescriptionItem]:
    return insert_rows([
        PrescriptionItem(
            prescription=prescription, catalog_item=entry.item, code=entry.item.code,
            name=entry.item.name, quantity=entry.quantity, dosage=entry.dosage,
            instructions=entry.instructions, unit_price=entry.item.unit_price,
            dose_amount=entry.dose.amount if entry.dose else None,
            dose_unit=entry.dose.unit if entry.dose else "",
            dose_frequency=entry.dose.frequency if entry.dose else "",
            dose_timing=entry.dose.timing if entry.dose else "",
            total=priced.split.total, insurer_share=priced.split.insurer_share,
            supplementary_share=priced.split.supplementary_share,
            patient_share=priced.split.patient_share, covered=priced.covered,
            rules_tracking_id=rules.new_rules_tracking_id(), position=position,
            loinc=entry.item.loinc, tariff=priced.tariff,
        )
        for position, (entry, priced) in enumerate(zip(items, evaluation.lines, strict=True))
    ])


def _snapshot(prescription: Prescription, items: list[ItemInput],
              evaluation: rules.Evaluation, by: Membership) -> None:
    insert_rows([PrescriptionVersion(
        prescription=prescription, version=prescription.version,
        items=[{"code": e.item.code, "quantity": e.quantity, "dosage": e.dosage,
                "dose": e.dose.as_dict() if e.dose else None,
                "instructions": e.instructions, "unit_price": e.item.unit_price,
                **p.split.as_dict(), "covered": p.covered}
               for e, p in zip(items, evaluation.lines, strict=True)],
        note=prescription.note, rule_results=evaluation.result_dicts(),
        warnings_overridden=prescription.warnings_overridden,
        totals=evaluation.totals.as_dict(), created_by=by,
    )])


def _valid_until(kind: str, day: dt.date) -> dt.date:
    return day + timedelta(days=settings.PRESCRIPTION_VALID_DAYS[kind])


def prescription_create(
    *,
    doctor: Membership,
    visit: Visit,
    kind: object,
    items: object,
    note: object = "",
    override_warnings: bool = False,
    signature: str = "",
) -> Prescription:
    _require_prescriber(doctor)
    if visit.doctor_id != doctor.pk:
        raise NotFound(_("ویزیت پیدا نشد."))
    if visit.status == Visit.Status.DONE:
        raise Conflict(_("این ویزیت تأیید و بسته شده است."), code="visit_done")
    kind = kind_clean(kind)
    cleaned = items_clean(items, kind=kind)
    note_sent, note = note, note_clean(note)
    signed = _signature_fields(doctor, signature, visit_id=visit.pk, kind=kind,
                               raw_items=items, cleaned=cleaned, note=note, note_sent=note_sent)
    today = timezone.localdate()
    log_read: list = []
    evaluation = _evaluate(visit=visit, doctor=doctor, items=cleaned, day=today, kind=kind,
                           log_read=log_read)
    with _read_logged(log_read):
        _approve(evaluation, bool(override_warnings))
        prescription, written = _register(visit, doctor, kind, note, cleaned, evaluation,
                                          override_warnings, signed, today, log_read)
    return _as_read(prescription, written, visit, doctor)


def _register(visit: Visit, doctor: Membership, kind: str, note: str,
              cleaned: list[ItemInput], evaluation: rules.Evaluation, override_warnings: bool,
              signed: dict, today: dt.date, log_read: list
              ) -> tuple[Prescription, list[PrescriptionItem]]:
    # One transaction, no savepoint: a tracking code that clashes (one in 2^50) rolls the
    # whole write back and it is drawn again.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                for log in log_read:
                    log()
                prescription = Prescription(
                    tracking_code=new_tracking_code(), visit=visit, patient=visit.patient,
                    doctor=doctor, facility_id=visit.facility_id, kind=kind, note=note,
                    hid=visit.hid, scheme_id=visit.scheme_id,
                    patient_share_percent=visit.patient_share_percent,
                    supplementary_scheme_id=visit.supplementary_scheme_id,
                    supplementary_percent=visit.supplementary_percent,
                    **evaluation.totals.as_dict(), rule_results=evaluation.result_dicts(),
                    warnings_overridden=bool(override_warnings) and evaluation.has_warnings,
                    rules_tracking_id=rules.new_rules_tracking_id(),
                    valid_until=_valid_until(kind, today), **signed,
                )
                insert_rows([prescription])
                written = _write_items(prescription, cleaned, evaluation)
                _snapshot(prescription, cleaned, evaluation, doctor)
                if visit.status == Visit.Status.WAITING:
                    visit_start(visit=visit)
                patient_notices.registered(prescription)
            return prescription, written
        except IntegrityError as exc:
            if "tracking_code" not in str(exc):
                raise
    raise Conflict(_("صدور کد رهگیری ممکن نشد؛ دوباره تلاش کنید."))


def _as_read(prescription: Prescription, items: list[PrescriptionItem], visit: Visit,
             doctor: Membership) -> Prescription:
    """The prescription just written, with what its readers use in hand (people, facility,
    items with their catalog rows), as the selectors would load it: the answer to the
    write needs no read back. `tests/prescriptions/test_create_answer.py` proves it equal."""
    prescription.patient, prescription.doctor = visit.patient, doctor
    prescription.facility = visit.facility
    hold_prefetched(prescription, "items", items)
    return prescription


SIGNED_ITEM_KEYS = ("code", "quantity", "dosage", "instructions", "dose")


def _stored_content(visit_id: int, kind: str, cleaned: list[ItemInput], note: str) -> dict:
    return {"visit": visit_id, "kind": kind, "note": note,
            "items": [{"code": i.item.code, "quantity": i.quantity, "dosage": i.dosage,
                       "instructions": i.instructions} for i in cleaned]}


def prescription_signing_content(*, doctor: Membership, visit: Visit, items: object,
                                 kind: object = None, note: object = "",
                                 prescription: Prescription | None = None) -> str:
    """The signing request (seed 003): the canonical text the doctor's browser signs before
    sending, drawn from the form exactly as the server will store it."""
    _require_prescriber(doctor)
    if prescription is not None:
        visit_id, kind = prescription.visit_id, prescription.kind
    else:
        visit_id, kind = visit.pk, kind_clean(kind)
    content = _stored_content(visit_id, kind, items_clean(items, kind=kind), note_clean(note))
    return accounts_signing.canonical(content).decode("utf-8")


def _signature_fields(doctor: Membership, signature: object, *, visit_id: int, kind: str,
                      raw_items: list, cleaned: list[ItemInput], note: str,
                      note_sent: object) -> dict:
    """Check a doctor's signature (seed 003) over the canonical content, before anything is
    written. The content is `{visit, kind, items:[{code, quantity, dosage, instructions}],
    note}` either as stored (codes upper-cased, text trimmed, a structured dose as its
    Persian line) or exactly as sent (only the keys sent, `dose` too when sent)."""
    if not signature:
        if settings.SIGNATURE_REQUIRED:
            raise Unverifiable(_("امضای پزشک برای ثبت نسخه لازم است."),
                               code="signature_required")
        return {"signature": "", "signature_verified": False, "signature_key": None,
                "signed_content": ""}
    as_sent = {"visit": visit_id, "kind": kind,
               "items": [{k: raw[k] for k in SIGNED_ITEM_KEYS if k in raw} for raw in raw_items]}
    if note_sent is not None or note:  # a kept note is signed too, sent or not
        as_sent["note"] = note_sent if note_sent is not None else note
    key, data = accounts_services.signature_check(
        membership=doctor, signature=signature,
        contents=[_stored_content(visit_id, kind, cleaned, note), as_sent])
    return {"signature": str(signature).strip(), "signature_verified": True,
            "signature_key": key, "signed_content": data.decode("utf-8")}


def _lock_own(doctor: Membership, prescription: Prescription) -> Prescription:
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if locked.doctor.user_id != doctor.user_id:
        raise prescription_missing()
    if locked.status == Prescription.Status.CANCELLED:
        raise Conflict(_("این نسخه ابطال شده است."), code="cancelled")
    if locked.status != Prescription.Status.ACTIVE or locked.items.filter(
            dispensed_quantity__gt=0).exists():
        raise Conflict(_("بخشی از این نسخه ارائه شده و دیگر قابل تغییر نیست."),
                       code="dispensed")
    return locked


def prescription_update(
    *,
    doctor: Membership,
    prescription: Prescription,
    items: object,
    note: object = None,
    override_warnings: bool = False,
    signature: str = "",
    expected_versions: list[int] | None = None,
) -> Prescription:
    """Replace the items while nothing is dispensed; the version goes up, the old one stays.
    A change drops the old signature; the edit is signed again or stays unsigned.
    `expected_versions` (If-Match, or the edit page's version): the edit is made only over
    one of them, checked under the lock, so two tabs never overwrite each other."""
    _require_prescriber(doctor)
    cleaned = items_clean(items, kind=prescription.kind)
    new_note = note_clean(note) if note is not None else prescription.note
    if signature and doctor.pk != prescription.doctor_id:
        raise Unverifiable(_("نسخه با کلید همان محل کاری امضا می‌شود که در آن نوشته شده است."),
                           code="signature_site")
    signed = _signature_fields(doctor, signature, visit_id=prescription.visit_id,
                               kind=prescription.kind, raw_items=items, cleaned=cleaned,
                               note=new_note, note_sent=note)
    log_read: list = []
    with _read_logged(log_read), transaction.atomic():
        locked = _lock_own(doctor, prescription)
        if expected_versions is not None and locked.version not in expected_versions:
            raise PreconditionFailed(
                _("نسخه {code} در این فاصله تغییر کرده است (اکنون ویرایش {v})؛ صفحه را تازه "
                  "کنید و تغییرها را دوباره بدهید.").format(code=locked.tracking_code,
                                                         v=fa_digits(locked.version)),
                version=locked.version)
        visit = Visit.objects.select_related("patient").get(pk=locked.visit_id)
        evaluation = _evaluate(visit=visit, doctor=doctor, items=cleaned,
                               day=timezone.localdate(), kind=locked.kind, editing=locked.pk,
                               log_read=log_read)
        for log in log_read:
            log()
        _approve(evaluation, bool(override_warnings))
        locked.items.all().delete()
        _write_items(locked, cleaned, evaluation)
        if note is not None:
            locked.note = new_note
        for key, value in evaluation.totals.as_dict().items():
            setattr(locked, key, value)
        locked.rule_results = evaluation.result_dicts()
        locked.warnings_overridden = bool(override_warnings) and evaluation.has_warnings
        locked.rules_tracking_id = rules.new_rules_tracking_id()
        locked.version = F("version") + 1
        locked.updated_at = locked.issued_at = timezone.now()
        for key, value in signed.items():  # the old signature never covers the new items
            setattr(locked, key, value)
        locked.save()
        locked.refresh_from_db()
        _snapshot(locked, cleaned, evaluation, doctor)
        patient_notices.edited(locked)
    return locked


def prescription_cancel(*, doctor: Membership, prescription: Prescription) -> Prescription:
    with transaction.atomic():
        locked = _lock_own(doctor, prescription)
        locked.status = Prescription.Status.CANCELLED
        locked.updated_at = timezone.now()
        locked.save(update_fields=["status", "updated_at"])
        patient_notices.cancelled(locked)
    return locked


# ---- history by consent (seed 004) ----

def _consent_subject(owner, patient: Patient) -> str:
    """Consent codes are capped per national code of the person whose phone gets them."""
    return owner.national_code if owner is not None else f"patient:{patient.pk}"


def consent_request(*, doctor: Membership, patient: Patient, ip: str | None) -> None:
    """Text the patient a code; when they read it out, the doctor may see the history."""
    if doctor.role != Role.DOCTOR:
        raise Forbidden(_("فقط پزشک می‌تواند سوابق را درخواست کند."))
    owner = patient.user or (patient.mother.user if patient.mother else None)
    if owner is None or not owner.mobile:
        raise Conflict(_("برای این بیمار شماره همراهی ثبت نشده است."), code="no_mobile")
    subject = _consent_subject(owner, patient)
    otp_limits.check(purpose=SMSDevice.Purpose.CONSENT, subject=subject, asking=True)
    wait = throttle.start_cooldown(f"consent:cool:{doctor.pk}:{patient.pk}",
                                   seconds=settings.OTP_RESEND_SECONDS)
    if wait:
        raise accounts_services.resend_too_soon(wait)
    otp_limits.doctor_consent_request(doctor.pk)
    otp_limits.code_sent(purpose=SMSDevice.Purpose.CONSENT, subject=subject)
    accounts_services.sms_code_send(user=owner, purpose=SMSDevice.Purpose.CONSENT,
                                    context=f"m{doctor.pk}:p{patient.pk}",
                                    who=doctor.user.full_name)
    accounts_services.access_log_record(
        action=AccessLog.Action.CONSENT_REQUEST, actor=doctor.user, membership=doctor,
        patient=patient, ip=ip)


def consent_verify(*, doctor: Membership, patient: Patient, code: object,
                   ip: str | None) -> ConsentGrant:
    owner = patient.user or (patient.mother.user if patient.mother else None)
    code_text = latin_digits(str(code or "")).strip()
    well_formed = code_text.isascii() and code_text.isdigit()
    subject = _consent_subject(owner, patient)
    otp_limits.check(purpose=SMSDevice.Purpose.CONSENT, subject=subject)
    ok = owner is not None and well_formed and accounts_services.sms_code_verify(
        user=owner, purpose=SMSDevice.Purpose.CONSENT, code=code_text,
        context=f"m{doctor.pk}:p{patient.pk}")
    if not ok:
        otp_limits.failed(purpose=SMSDevice.Purpose.CONSENT, subject=subject)
        raise Invalid(_("کد نادرست است یا منقضی شده است."), code="invalid_code",
                      errors={"code": [_("کد نادرست است یا منقضی شده است.")]})
    grant = ConsentGrant.objects.create(
        doctor=doctor, patient=patient,
        valid_until=timezone.now() + timedelta(minutes=settings.CONSENT_GRANT_MINUTES))
    accounts_services.access_log_record(
        action=AccessLog.Action.CONSENT_GRANT, actor=doctor.user, membership=doctor,
        patient=patient, ip=ip)
    return grant


def consent_live(*, doctor: Membership, patient: Patient) -> ConsentGrant | None:
    return (ConsentGrant.objects.filter(doctor=doctor, patient=patient,
                                        valid_until__gt=timezone.now())
            .order_by("-valid_until").first())


def prescriptions_expire(*, day: dt.date | None = None) -> int:
    """Close open prescriptions whose validity window has passed (run daily by beat)."""
    day = day or timezone.localdate()
    return Prescription.objects.filter(status__in=Prescription.OPEN_STATUSES,
                                       valid_until__lt=day).update(
        status=Prescription.Status.EXPIRED, updated_at=timezone.now())
