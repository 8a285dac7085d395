"""Fulfilment verbs: quote at today's prices, dispense (race-safe), record results.

Over-dispensing is impossible by construction: the prescription row is locked, each item's
counter moves by a conditional UPDATE, and a CHECK constraint backs both.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, Invalid, NotFound, RulesRejected
from accounts.identity import db_id, latin_digits
from accounts.models import Membership
from claims import services as claims_services
from claims.eligibility import eligibility_on
from pharmacy.models import Dispense, DispenseLine, PackCodeReuse
from prescriptions import money, rules
from prescriptions.medications import Medication, medication_profile, medication_profiles
from prescriptions.models import Kind, Prescription, PrescriptionItem, Visit
from prescriptions.services import whole_number

MAX_LINES = 100
MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class LineInput:
    item_id: int
    quantity: int
    uid: str


@dataclass
class Quote:
    """What each item costs today and who pays what (§9-2-5), for the counter page."""

    scheme_id: int | None
    scheme: object | None
    patient_share_percent: int
    evaluation: rules.Evaluation
    by_item: dict[int, rules.PricedLine]


def pack_code_clean(value: object) -> str:
    code = latin_digits(str(value or "")).strip().replace(" ", "").replace("-", "")
    if not (len(code) == 16 and code.isascii() and code.isdigit()):
        raise ValueError(code)
    return code


def lines_clean(raw: object, *, kind: str) -> list[LineInput]:
    if not isinstance(raw, list) or not raw:
        raise Invalid(_("دست‌کم یک قلم برای ارائه لازم است."),
                      errors={"lines": [_("فهرست خالی یا نامعتبر است.")]})
    if len(raw) > MAX_LINES:
        raise Invalid(_("تعداد سطرها زیاد است."), errors={"lines": [_("حداکثر ۱۰۰ سطر.")]})
    errors: dict[str, dict] = {}
    cleaned: list[LineInput] = []
    seen_uids: set[str] = set()
    for index, line in enumerate(raw):
        problems: dict[str, list[str]] = {}
        if not isinstance(line, dict):
            errors[str(index)] = {"non_field_errors": [_("هر سطر باید یک شیء باشد.")]}
            continue
        item_id = db_id(line.get("item"))
        quantity = whole_number(line.get("quantity"))
        if item_id is None:
            problems["item"] = [_("شناسه قلم نامعتبر است.")]
        if quantity is None or quantity <= 0:
            problems["quantity"] = [_("تعداد باید عدد صحیح مثبت باشد.")]
        elif quantity > MAX_QUANTITY:
            problems["quantity"] = [_("تعداد بیش از حد مجاز است.")]
        uid = ""
        if line.get("uid") not in (None, ""):
            if kind != Kind.DRUG:
                problems["uid"] = [_("کد اصالت فقط برای دارو است.")]
            else:
                try:
                    uid = pack_code_clean(line.get("uid"))
                except ValueError:
                    problems["uid"] = [_("کد اصالت باید ۱۶ رقم باشد.")]
                else:
                    if uid in seen_uids:
                        problems["uid"] = [_("این کد اصالت دو بار آمده است.")]
                    seen_uids.add(uid)
        if problems:
            errors[str(index)] = problems
            continue
        cleaned.append(LineInput(item_id, quantity, uid))
    if errors:
        first = next(iter(next(iter(errors.values())).values()))[0]
        raise Invalid(first, errors={"lines": errors})
    return cleaned


_ASK = object()


def quote(*, prescription: Prescription, quantities: dict[int, int] | None = None,
          day: dt.date | None = None, book: rules.RuleBook | None = None,
          eligibility=_ASK, items: list[PrescriptionItem] | None = None,
          profile: list[Medication] | None = None) -> Quote:
    """Eligibility checked again, and both engines run again with today's prices (§9-2-5):
    a drug's lines against the patient's current medicines from other prescriptions."""
    day = day or timezone.localdate()
    items = items if items is not None else list(prescription.items.all())
    wanted = quantities if quantities is not None else {i.pk: i.remaining for i in items}
    chosen = [i for i in items if wanted.get(i.pk, 0) > 0]
    if eligibility is _ASK:
        eligibility = eligibility_on(prescription.patient, day)
    if profile is None:
        profile = (medication_profile(prescription.patient, day=day,
                                      exclude_prescription_id=prescription.pk)
                   if prescription.kind == Kind.DRUG else [])
    scheme_id = eligibility.scheme.pk if eligibility else None
    share = eligibility.patient_share_percent if eligibility else 100
    evaluation = rules.evaluate(
        patient=prescription.patient, doctor=None,
        lines=[rules.Line(i.catalog_item, wanted[i.pk]) for i in chosen],
        scheme_id=scheme_id, patient_share_percent=share, day=day, book=book,
        profile=profile)
    by_item = {item.pk: priced for item, priced in zip(chosen, evaluation.lines, strict=True)}
    return Quote(scheme_id, eligibility.scheme if eligibility else None, share, evaluation,
                 by_item)


def quote_many(prescriptions: list[Prescription]) -> dict[int, Quote]:
    """Quotes for a lookup page: one rule book, one eligibility answer and one medication
    profile per patient, whatever the number of prescriptions."""
    day = timezone.localdate()
    profiles = medication_profiles(
        {p.patient_id for p in prescriptions if p.kind == Kind.DRUG}, day=day)
    book = rules.RuleBook.load(
        (i.catalog_item_id for p in prescriptions for i in p.items.all()),
        {m.item.pk for profile in profiles.values() for m in profile})
    eligibility: dict[int, object] = {}
    for prescription in prescriptions:
        if prescription.patient_id not in eligibility:
            eligibility[prescription.patient_id] = eligibility_on(prescription.patient, day)
    return {p.pk: quote(prescription=p, day=day, book=book,
                        eligibility=eligibility[p.patient_id],
                        profile=[m for m in profiles.get(p.patient_id, [])
                                 if m.prescription_id != p.pk]) for p in prescriptions}


def lines_from_packs(*, item_id: int, quantity: int, codes: list[str]) -> list[dict]:
    """The counter page sends a quantity and the pack codes scanned for it: one line per
    pack, the quantity shared out evenly (any remainder on the first pack)."""
    if not codes:
        return [{"item": item_id, "quantity": quantity}]
    if len(codes) > quantity:
        raise Invalid(_("تعداد کدهای اصالت از تعداد اقلام بیشتر است."),
                      errors={"uid": [_("کدها بیش از تعداد است.")]})
    share, extra = divmod(quantity, len(codes))
    return [{"item": item_id, "quantity": share + (extra if i == 0 else 0), "uid": code}
            for i, code in enumerate(codes)]


class _PackReused(Exception):
    def __init__(self, uids: list[str]) -> None:
        self.uids = uids


def _flag_reuse(*, membership: Membership, prescription: Prescription, uids: list[str]) -> None:
    first_uses = {line.uid: line for line in DispenseLine.objects.filter(uid__in=uids)}
    PackCodeReuse.objects.bulk_create(
        PackCodeReuse(uid=uid, facility_id=membership.facility_id, membership=membership,
                      prescription=prescription, first_use=first_uses.get(uid))
        for uid in uids)


def _perform(*, locked: Prescription, membership: Membership, lines: list[LineInput],
             key: str, started_at: dt.datetime | None) -> Dispense:
    """Give or perform `lines` against a prescription whose row the caller has locked."""
    today = timezone.localdate()
    if locked.status == Prescription.Status.CANCELLED:
        raise Conflict(_("این نسخه ابطال شده است."), code="cancelled")
    if locked.status == Prescription.Status.DISPENSED:
        raise Conflict(_("همه اقلام این نسخه پیش‌تر ارائه شده است."), code="dispensed")
    if locked.status == Prescription.Status.EXPIRED or locked.valid_until < today:
        raise Conflict(_("مهلت اعتبار این نسخه گذشته است."), code="expired")
    if not Visit.objects.filter(pk=locked.visit_id, hid=locked.hid).exists():
        raise Conflict(_("شناسه شباد نسخه معتبر نیست."), code="hid")
    items = {i.pk: i for i in locked.items.select_related("catalog_item")}
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.item_id not in items:
            raise Invalid(_("این قلم متعلق به این نسخه نیست."),
                          errors={"lines": [_("قلم {i} در این نسخه نیست.").format(
                              i=line.item_id)]})
        wanted[line.item_id] += line.quantity
    for item_id, quantity in wanted.items():
        if quantity > items[item_id].remaining:
            raise Conflict(_("تعداد «{name}» بیش از باقی‌مانده ({n}) است.").format(
                name=items[item_id].name, n=items[item_id].remaining), code="over_dispense")
    uids = [line.uid for line in lines if line.uid]
    if uids and DispenseLine.objects.filter(uid__in=uids).exists():
        raise _PackReused(list(DispenseLine.objects.filter(uid__in=uids)
                               .values_list("uid", flat=True)))
    priced = quote(prescription=locked, quantities=dict(wanted), day=today,
                   items=list(items.values()))
    if priced.evaluation.rejected:
        raise RulesRejected(_("قواعد بیمه در روز ارائه، این اقلام را نمی‌پذیرند."),
                            code="rules_reject", rule_results=priced.evaluation.result_dicts())
    dispense = Dispense.objects.create(
        prescription=locked, facility_id=membership.facility_id, membership=membership,
        idempotency_key=key, scheme_id=priced.scheme_id,
        patient_share_percent=priced.patient_share_percent, status_after=locked.status,
        started_at=started_at or timezone.now(),
    )
    for item_id, quantity in wanted.items():
        moved = PrescriptionItem.objects.filter(
            pk=item_id, dispensed_quantity__lte=F("quantity") - quantity,
        ).update(dispensed_quantity=F("dispensed_quantity") + quantity)
        if not moved:
            raise Conflict(_("تعداد بیش از باقی‌مانده است."), code="over_dispense")
    new_lines = []
    for line in lines:
        item = items[line.item_id]
        line_price = priced.by_item[line.item_id]
        split = money.split(unit_price=item.catalog_item.unit_price, quantity=line.quantity,
                            patient_share_percent=line_price.patient_share_percent,
                            covered=line_price.covered)
        new_lines.append(DispenseLine(
            dispense=dispense, item=item, quantity=line.quantity, uid=line.uid,
            unit_price=item.catalog_item.unit_price, **split.as_dict()))
    DispenseLine.objects.bulk_create(new_lines)
    totals = money.total_of(money.Split(n.total, n.insurer_share, n.patient_share)
                            for n in new_lines)
    fully = not locked.items.filter(dispensed_quantity__lt=F("quantity")).exists()
    locked.status = (Prescription.Status.DISPENSED if fully
                     else Prescription.Status.PARTIALLY_DISPENSED)
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    dispense.status_after = locked.status
    dispense.total, dispense.insurer_share = totals.total, totals.insurer_share
    dispense.patient_share = totals.patient_share
    dispense.ended_at = timezone.now()
    dispense.save(update_fields=["status_after", "total", "insurer_share", "patient_share",
                                 "ended_at"])
    claims_services.claim_lines_record_new(
        facility=membership.facility, scheme=priced.scheme, service_date=today,
        lines=[{"source": f"dispense-line:{line.pk}", "code": line.item.code,
                "quantity": line.quantity, "unit_price": line.unit_price, "total": line.total,
                "insurer_share": line.insurer_share, "patient_share": line.patient_share,
                "prescription": locked, "item": line.item}
               for line in DispenseLine.objects.filter(dispense=dispense).select_related(
                   "item")])
    return dispense


def _check_fulfiller(membership: Membership, prescription: Prescription) -> None:
    if not membership.is_fulfilment or prescription.kind != membership.kind_served:
        raise NotFound(_("نسخه پیدا نشد."))


@dataclass(frozen=True)
class DispenseOutcome:
    dispense: Dispense
    replayed: bool


def dispense_record(*, membership: Membership, prescription: Prescription, lines: object,
                    idempotency_key: str = "",
                    started_at: dt.datetime | None = None) -> DispenseOutcome:
    """Dispense (or perform) lines of a prescription in one short transaction.

    A retry with the same Idempotency-Key returns the first dispense; a pack code used
    anywhere before is refused and flagged for reviewers.
    """
    _check_fulfiller(membership, prescription)
    cleaned = lines_clean(lines, kind=prescription.kind)
    key = str(idempotency_key or "").strip()[:64]
    if started_at is not None and started_at > timezone.now():
        started_at = None  # a clock ahead of ours cannot start the service in the future
    try:
        with transaction.atomic():
            locked = (Prescription.objects.select_for_update(of=("self",))
                      .select_related("patient").get(pk=prescription.pk))
            if key:
                # Checked under the lock: a concurrent retry waits here and then finds it.
                earlier = Dispense.objects.filter(facility_id=membership.facility_id,
                                                  idempotency_key=key).first()
                if earlier is not None:
                    if earlier.prescription_id != locked.pk:
                        raise Conflict(_("این کلید یکتایی برای نسخه دیگری به کار رفته است."),
                                       code="idempotency_key_reused")
                    return DispenseOutcome(earlier, True)
            dispense = _perform(locked=locked, membership=membership, lines=cleaned, key=key,
                                started_at=started_at)
    except _PackReused as reused:
        _flag_reuse(membership=membership, prescription=prescription, uids=reused.uids)
        raise Conflict(_("کد اصالت {c} پیش‌تر استفاده شده است.").format(
            c="، ".join(reused.uids)), code="pack_code_reused", uids=reused.uids) from None
    except IntegrityError:
        # Lost a race the checks above could not see: a pack code taken at the same
        # moment, or the database's own guard against over-dispensing.
        taken = [u.uid for u in cleaned if u.uid and DispenseLine.objects.filter(
            uid=u.uid).exists()]
        if taken:
            _flag_reuse(membership=membership, prescription=prescription, uids=taken)
            raise Conflict(_("کد اصالت پیش‌تر استفاده شده است."), code="pack_code_reused",
                           uids=taken) from None
        raise Conflict(_("تعداد بیش از باقی‌مانده است."), code="over_dispense") from None
    return DispenseOutcome(dispense, False)


# ---- paraclinic results (§9-2-8) ----

FLAGS = {"low", "normal", "high"}


def _flag(value: object, reference_range: str) -> str | None:
    try:
        low, high = (float(x) for x in latin_digits(reference_range).split("-", 1))
        number = float(value)
    except (TypeError, ValueError):
        return None
    return "low" if number < low else "high" if number > high else "normal"


def _lab_entry(raw: dict, problems: list[str]) -> dict:
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or value == "":
        problems.append(_("مقدار نتیجه لازم است."))
        return {}
    entry = {
        "name": str(raw.get("name") or "")[:100],
        "value": value if not isinstance(value, str) else value[:100],
        "unit": str(raw.get("unit") or "")[:30],
        "reference_range": str(raw.get("reference_range") or "")[:50],
    }
    flag = raw.get("flag")
    if flag not in (None, "") and flag not in FLAGS:
        problems.append(_("نشانه باید low، normal یا high باشد."))
    entry["flag"] = flag or _flag(entry["value"], entry["reference_range"])
    return entry


def result_clean(raw: object, *, kind: str, item: PrescriptionItem) -> dict:
    if not isinstance(raw, dict):
        raise Invalid(_("نتیجه باید یک شیء باشد."), errors={"result": [_("نامعتبر")]})
    problems: list[str] = []
    if kind == Kind.LAB:
        components = raw.get("components")
        if components is not None:
            if not isinstance(components, list) or not 0 < len(components) <= 50:
                problems.append(_("اجزای نتیجه نامعتبر است."))
                result = {}
            else:
                result = {"components": [
                    _lab_entry(c if isinstance(c, dict) else {}, problems) for c in components]}
        else:
            result = _lab_entry(raw, problems)
    elif kind == Kind.IMAGING:
        report = raw.get("report")
        if not isinstance(report, str) or not report.strip() or len(report) > 20_000:
            problems.append(_("متن گزارش لازم است (حداکثر ۲۰٬۰۰۰ نویسه)."))
        result = {"report": (report or "").strip() if isinstance(report, str) else ""}
    else:
        sessions = whole_number(raw.get("sessions_done"))
        if sessions is None or not item.dispensed_quantity <= sessions <= item.quantity:
            problems.append(_("جلسات انجام‌شده باید بین {a} و {b} باشد.").format(
                a=item.dispensed_quantity, b=item.quantity))
        result = {"sessions_done": sessions, "sessions_ordered": item.quantity}
    note = raw.get("note")
    if isinstance(note, str) and note.strip():
        result["note"] = note.strip()[:500]
    if problems:
        raise Invalid(problems[0], errors={"result": problems})
    return result


def result_record(*, membership: Membership, prescription: Prescription, item_id: object,
                  result: object) -> PrescriptionItem:
    """Record a paraclinic result; the service counts as performed (and claimed) with it."""
    _check_fulfiller(membership, prescription)
    if prescription.kind == Kind.DRUG:
        raise NotFound(_("نسخه پیدا نشد."))
    pk = db_id(item_id)
    with transaction.atomic():
        locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
        item = locked.items.filter(pk=pk).first() if pk else None
        if item is None:
            raise Invalid(_("این قلم متعلق به این نسخه نیست."),
                          errors={"item": [_("قلم نامعتبر است.")]})
        cleaned = result_clean(result, kind=locked.kind, item=item)
        to_perform = (cleaned["sessions_done"] - item.dispensed_quantity
                      if locked.kind == Kind.PHYSIO else item.remaining)
        if to_perform > 0:
            _perform(locked=locked, membership=membership,
                     lines=[LineInput(item.pk, to_perform, "")], key="", started_at=None)
        elif locked.status == Prescription.Status.CANCELLED:
            raise Conflict(_("این نسخه ابطال شده است."), code="cancelled")
        cleaned["recorded_at"] = timezone.now().isoformat()
        cleaned["recorded_by"] = membership.facility.name
        PrescriptionItem.objects.filter(pk=item.pk).update(result=cleaned)
        item.refresh_from_db()
    return item
