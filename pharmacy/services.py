"""Fulfilment verbs: quote at today's prices and rules, dispense (race-safe).

Over-dispensing is impossible by construction: the prescription row is locked, each item's
counter moves by a conditional UPDATE, and a CHECK constraint backs both. Every dispense
keeps the rules' answer of its day (§9-2-6), its own HID from the eligibility check, the
pack codes (§9-2-7) and how the patient paid (§7-8, §7-9).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, Invalid, RulesRejected
from accounts.identity import db_id
from accounts.jalali import fa_digits
from accounts.models import Membership
from claims import services as claims_services
from claims.eligibility import eligibility_on, new_hid
from config.sql import (
    CompiledInRead,
    CompiledRead,
    execute,
    hold_prefetched,
    insert_rows,
    quoted,
)
from pharmacy import packs
from pharmacy.models import Dispense, DispenseLine, PackCodeReuse
from prescriptions import catalog, money, patient_notices, rules
from prescriptions.errors import prescription_missing
from prescriptions.medications import (
    Medication,
    medication_profile,
    medication_profiles,
    safety_check_log,
)
from prescriptions.models import Kind, Prescription, PrescriptionItem
from prescriptions.selectors import CODE_STAND_IN, fulfilment_code
from prescriptions.services import whole_number

MAX_LINES = 100
MAX_QUANTITY = 10_000


@dataclass(frozen=True)
class LineInput:
    item_id: int
    quantity: int
    uid: str


@dataclass(frozen=True)
class Payment:
    method: str  # "cash" or "card"
    terminal_id: str = ""
    reference: str = ""


@dataclass
class Quote:
    """What each item costs today, who pays what (§9-2-5) and what the rules say now."""

    scheme_id: int | None
    scheme: object | None
    patient_share_percent: int
    evaluation: rules.Evaluation
    by_item: dict[int, rules.PricedLine]
    profile: list[Medication]
    supplementary: object | None = None


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
                    uid = packs.pack_code_clean(line.get("uid"))
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


def _packs_check(lines: list[LineInput], items: dict[int, PrescriptionItem]) -> None:
    """Every line of a tracked drug is one pack with its code (checked on the locked rows)."""
    errors = {}
    for index, line in enumerate(lines):
        item = items.get(line.item_id)
        problems = packs.line_problems(item, quantity=line.quantity, uid=line.uid) if item else {}
        if problems:
            errors[str(index)] = problems
    if errors:
        first = next(iter(next(iter(errors.values())).values()))[0]
        raise Invalid(first, code="pack_code", errors={"lines": errors})


def payment_clean(raw: object) -> Payment | None:
    """How the patient paid their share: cash, or card with the POS terminal id (§7-9)."""
    if raw in (None, "", {}):
        return None
    if not isinstance(raw, dict):
        raise Invalid(_("پرداخت باید یک شیء باشد."), errors={"payment": [_("نامعتبر")]})
    method = raw.get("method")
    terminal = str(raw.get("terminal_id") or "").strip()
    reference = str(raw.get("reference") or "").strip()
    errors: dict[str, list[str]] = {}
    if method not in ("cash", "card"):
        errors["payment.method"] = [_("روش پرداخت cash یا card است.")]
    if method == "card" and not terminal:
        errors["payment.terminal_id"] = [_("شناسه پایانه فروشگاهی برای پرداخت با کارت لازم است.")]
    if terminal and not (terminal.isascii() and terminal.isalnum() and len(terminal) <= 32):
        errors["payment.terminal_id"] = [_("شناسه پایانه حداکثر ۳۲ حرف و رقم لاتین است.")]
    if len(reference) > 64:
        errors["payment.reference"] = [_("شماره پیگیری پرداخت حداکثر ۶۴ نویسه است.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    return Payment(method, terminal if method == "card" else "", reference)


def started_at_clean(value: dt.datetime | None, *, paper: bool = False) -> dt.datetime:
    """When the service began, as the counter says: within a small skew of our clock
    ahead, and not longer ago than one service can take (a service from the paper copy
    during an outage: as long ago as PAPER_SYNC_MAX_DAYS)."""
    now = timezone.now()
    if value is None:
        return now
    skew = timedelta(seconds=settings.DISPENSE_CLOCK_SKEW_SECONDS)
    oldest = (timedelta(days=settings.PAPER_SYNC_MAX_DAYS) if paper
              else timedelta(hours=settings.DISPENSE_MAX_SERVICE_HOURS))
    if value > now + skew or value < now - oldest:
        message = _("زمان شروع خدمت با ساعت سامانه نمی‌خواند.")
        raise Invalid(message, code="started_at", errors={"started_at": [message]})
    return min(value, now)


_ASK = object()


def quote(*, prescription: Prescription, quantities: dict[int, int] | None = None,
          day: dt.date | None = None, book: rules.RuleBook | None = None,
          eligibility=_ASK, items: list[PrescriptionItem] | None = None,
          profile: list[Medication] | None = None,
          tariffs: dict[int, int] | None = None) -> Quote:
    """Eligibility checked again, and both engines run again with today's prices (§9-2-5):
    a drug's lines against the patient's current medicines from other prescriptions."""
    day = day or timezone.localdate()
    items = items if items is not None else list(prescription.items.all())
    wanted = quantities if quantities is not None else {i.pk: i.remaining for i in items}
    chosen = [i for i in items if wanted.get(i.pk, 0) > 0]
    if eligibility is _ASK:
        eligibility = eligibility_on(prescription.patient, day,
                                     scheme_id=prescription.scheme_id)
    if profile is None:
        profile = (medication_profile(prescription.patient, day=day,
                                      exclude_prescription_id=prescription.pk,
                                      known={i.catalog_item_id: i.catalog_item for i in items})
                   if prescription.kind == Kind.DRUG else [])
    scheme_id = eligibility.scheme.pk if eligibility else None
    share = eligibility.patient_share_percent if eligibility else 100
    evaluation = rules.evaluate(
        patient=prescription.patient, doctor=None,
        lines=[rules.Line(i.catalog_item, wanted[i.pk]) for i in chosen],
        scheme_id=scheme_id, patient_share_percent=share, day=day, book=book,
        profile=profile, tariffs=tariffs,
        supplementary_percent=eligibility.supplementary_percent if eligibility else 0)
    by_item = {item.pk: priced for item, priced in zip(chosen, evaluation.lines, strict=True)}
    return Quote(scheme_id, eligibility.scheme if eligibility else None, share, evaluation,
                 by_item, profile, eligibility.supplementary if eligibility else None)


def quote_many(prescriptions: list[Prescription]) -> dict[int, Quote]:
    """Quotes for a lookup page: one rule book, one eligibility answer and one medication
    profile per patient, whatever the number of prescriptions."""
    day = timezone.localdate()
    profiles = medication_profiles(
        {p.patient_id for p in prescriptions if p.kind == Kind.DRUG}, day=day)
    book = rules.RuleBook.load(
        (i.catalog_item_id for p in prescriptions for i in p.items.all()),
        {m.item.pk for profile in profiles.values() for m in profile})
    eligibility: dict[tuple[int, int | None], object] = {}
    for prescription in prescriptions:
        key = (prescription.patient_id, prescription.scheme_id)
        if key not in eligibility:
            eligibility[key] = eligibility_on(prescription.patient, day,
                                              scheme_id=prescription.scheme_id)
    # the tariffs of every item, once per scheme in play (usually one)
    items = [i.catalog_item for p in prescriptions for i in p.items.all()]
    tariffs = {scheme_id: rules.tariffs_on(items, scheme_id, day) for scheme_id in
               {e.scheme.pk for e in eligibility.values() if e is not None}}

    def tariffs_for(p):
        found = eligibility[(p.patient_id, p.scheme_id)]
        return tariffs.get(found.scheme.pk) if found is not None else {}

    return {p.pk: quote(prescription=p, day=day, book=book,
                        eligibility=eligibility[(p.patient_id, p.scheme_id)],
                        tariffs=tariffs_for(p),
                        profile=[m for m in profiles.get(p.patient_id, [])
                                 if m.prescription_id != p.pk]) for p in prescriptions}


# The dispense's reads of fixed shape, compiled once per process (config.sql): the
# prescription locked with what the dispense uses, by id or (the API) by kind and code
def _locked():
    return (Prescription.objects.select_for_update(of=("self",))
            .select_related("patient", "visit", "doctor__practitioner"))


locked_for_dispense = CompiledRead(Prescription, lambda pk: _locked().filter(pk=pk), -900_001)
_locked_by_code = CompiledRead(
    Prescription, lambda kind, code: _locked().filter(kind=kind, tracking_code=code)[:1],
    "\x00kind", CODE_STAND_IN)
_items_with_catalog = CompiledRead(
    PrescriptionItem, lambda pk: (PrescriptionItem.objects.select_related("catalog_item")
                                  .filter(prescription_id=pk)), -900_001)


def items_with_catalog(prescription: Prescription) -> list[PrescriptionItem]:
    """`prescription.items.select_related("catalog_item")`, each item knowing its
    prescription as the related manager would tell it."""
    items = _items_with_catalog(prescription.pk)
    for item in items:
        item._state.fields_cache["prescription"] = prescription
    return items


# The pack-code index holds only lines with a code (`uid <> ''`): the query says so in a
# literal, so that a prepared statement's generic plan can use the index too. `uid = $1`
# alone cannot prove it, and PostgreSQL's generic plan then reads every line ever dispensed
# (the plan it keeps when it was made while the table was small: a new deployment). It
# names the table, not an alias: for this read alone, never as a subquery or a join.
_HAS_PACK_CODE = RawSQL("{}.{} <> ''".format(*map(connection.ops.quote_name, (  # noqa: S611
    DispenseLine._meta.db_table, DispenseLine._meta.get_field("uid").column))), (),
    output_field=BooleanField())
# the earlier lines of these pack codes (every dispense of tracked drugs): compiled once per
# number of packs, prepared
_lines_of_packs = CompiledInRead(
    DispenseLine, lambda uids: DispenseLine.objects.filter(_HAS_PACK_CODE, uid__in=uids),
    lambda i: f"\x00uid-{i}")


def _take(wanted: dict[int, int], at: dt.datetime) -> bool:
    """Count more given of each item, only while each stays within what was prescribed
    (the database's own guard, whatever the caller checked), and note when (`at`, never
    moving an item's last time back): one conditional UPDATE for all the items, written by
    hand and prepared once per number of items; False unless every item moved."""
    table, c = quoted(PrescriptionItem)
    given, quantity, pk, last = (c["dispensed_quantity"], c["quantity"], c["id"],
                                 c["last_given_at"])
    rows = ", ".join(["(%s, %s)"] * len(wanted))
    when = PrescriptionItem._meta.get_field("last_given_at").get_db_prep_save(
        at, connections["default"])
    # VALUES names its columns column1, column2 in PostgreSQL and SQLite alike
    return execute(
        f"UPDATE {table} SET {given} = {table}.{given} + v.column2, "  # noqa: S608
        f"{last} = CASE WHEN {table}.{last} > %s THEN {table}.{last} ELSE %s END "
        f"FROM (VALUES {rows}) AS v WHERE {table}.{pk} = v.column1 "
        f"AND {table}.{given} <= {table}.{quantity} - v.column2",
        [when, when, *(value for pair in wanted.items() for value in pair)]) == len(wanted)


def _status_set(prescription: Prescription) -> None:
    """Write the prescription's new status and time, as `save(update_fields=…)` would (no
    receiver listens to prescriptions), by hand and prepared."""
    table, c = quoted(Prescription)
    field = Prescription._meta.get_field("updated_at")
    execute(f"UPDATE {table} SET {c['status']} = %s, {c['updated_at']} = %s "  # noqa: S608
            f"WHERE {c['id']} = %s",
            [prescription.status, field.get_db_prep_save(prescription.updated_at,
                                                         connections["default"]),
             prescription.pk])


class _PackReused(Exception):
    def __init__(self, uids: list[str]) -> None:
        self.uids = uids


def _flag_reuse(*, membership: Membership, prescription: Prescription, uids: list[str]) -> None:
    first_uses = {line.uid: line for line in DispenseLine.objects.filter(uid__in=uids)}
    PackCodeReuse.objects.bulk_create(
        PackCodeReuse(uid=uid, facility_id=membership.facility_id, membership=membership,
                      prescription=prescription, first_use=first_uses.get(uid))
        for uid in uids)


@dataclass(frozen=True)
class Acknowledgement:
    """Warnings at the counter: the page requires the pharmacist to confirm them; the API
    records whether the caller did."""

    required: bool = False
    given: bool = False


def perform_locked(*, locked: Prescription, membership: Membership, lines: list[LineInput],
                   key: str = "", started_at: dt.datetime | None = None,
                   payment: Payment | None = None,
                   acknowledgement: Acknowledgement = Acknowledgement(),
                   paper: bool = False, notify: bool = True) -> Dispense:
    """Give or perform `lines` against a prescription whose row the caller has locked. A
    service from the paper copy is priced, checked and claimed on the day it was given.
    The patient is told (`notify`), unless the caller tells them of more (a result)."""
    today = timezone.localdate(started_at) if paper and started_at else timezone.localdate()
    if locked.status == Prescription.Status.CANCELLED:
        raise Conflict(_("این نسخه ابطال شده است."), code="cancelled")
    if locked.status == Prescription.Status.DISPENSED:
        raise Conflict(_("همه اقلام این نسخه پیش‌تر ارائه شده است."), code="dispensed")
    if locked.status == Prescription.Status.EXPIRED or locked.valid_until < today:
        raise Conflict(_("مهلت اعتبار این نسخه گذشته است."), code="expired")
    if locked.visit.hid != locked.hid:
        raise Conflict(_("شناسه شباد نسخه معتبر نیست."), code="hid")
    items = {i.pk: i for i in items_with_catalog(locked)}
    _packs_check(lines, items)
    if paper:  # priced as on the day it was given (in memory only; the catalog is untouched)
        day_prices = catalog.prices_on((i.catalog_item_id for i in items.values()), today)
        for item in items.values():
            item.catalog_item.unit_price = day_prices.get(item.catalog_item_id,
                                                          item.catalog_item.unit_price)
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.item_id not in items:
            raise Invalid(_("این قلم متعلق به این نسخه نیست."),
                          errors={"lines": [_("قلم {i} در این نسخه نیست.").format(
                              i=fa_digits(line.item_id))]})
        wanted[line.item_id] += line.quantity
    for item_id, quantity in wanted.items():
        if quantity > items[item_id].remaining:
            raise Conflict(_("تعداد «{name}» بیش از باقی‌مانده ({n}) است.").format(
                name=items[item_id].name, n=fa_digits(items[item_id].remaining)),
                code="over_dispense")
    uids = [line.uid for line in lines if line.uid]
    reused = [line.uid for line in _lines_of_packs(uids)]  # none sent: no query
    if reused:
        raise _PackReused(reused)
    priced = quote(prescription=locked, quantities=dict(wanted), day=today,
                   items=list(items.values()))
    safety_check_log(membership=membership, patient=locked.patient, profile=priced.profile)
    evaluation = priced.evaluation
    if evaluation.rejected:
        raise RulesRejected(_("قواعد در روز ارائه، این اقلام را نمی‌پذیرند."),
                            code="rules_reject", rule_results=evaluation.result_dicts())
    if evaluation.has_warnings and acknowledgement.required and not acknowledgement.given:
        raise RulesRejected(_("هشدارهای این نسخه را بخوانید و تأیید کنید."),
                            code="rules_warning", rule_results=evaluation.result_dicts())
    new_lines = []
    for line in lines:
        item = items[line.item_id]
        line_price = priced.by_item[line.item_id]
        split = money.split(unit_price=item.catalog_item.unit_price, quantity=line.quantity,
                            patient_share_percent=line_price.patient_share_percent,
                            covered=line_price.covered,
                            supplementary_percent=line_price.supplementary_percent,
                            tariff=line_price.tariff)
        new_lines.append(DispenseLine(item=item, quantity=line.quantity, uid=line.uid,
                                      unit_price=item.catalog_item.unit_price,
                                      **split.as_dict()))
    totals = money.total_of(money.Split(n.total, n.insurer_share, n.patient_share,
                                        n.supplementary_share) for n in new_lines)
    # Under the row lock nobody else moves these counters: what is left is known here.
    fully = all(i.dispensed_quantity + wanted.get(i.pk, 0) >= i.quantity
                for i in items.values())
    status_after = (Prescription.Status.DISPENSED if fully
                    else Prescription.Status.PARTIALLY_DISPENSED)
    # The pharmacy encounter's own HID, from the eligibility check of this day; the
    # dispense is written once, whole.
    supplementary = priced.supplementary
    now = timezone.now()
    dispense = Dispense(
        hid=new_hid(), prescription=locked, facility_id=membership.facility_id,
        membership=membership, idempotency_key=key, scheme_id=priced.scheme_id,
        patient_share_percent=priced.patient_share_percent, supplementary_scheme=supplementary,
        supplementary_percent=supplementary.supplementary_percent if supplementary else 0,
        status_after=status_after, started_at=started_at or now, ended_at=now,
        total=totals.total, insurer_share=totals.insurer_share,
        supplementary_share=totals.supplementary_share, patient_share=totals.patient_share,
        rule_results=evaluation.result_dicts(), paper=paper,
        rules_tracking_id=rules.new_rules_tracking_id(),
        warnings_acknowledged=acknowledgement.given and evaluation.has_warnings,
        payment_method=payment.method if payment else "",
        payment_terminal=payment.terminal_id if payment else "",
        payment_reference=payment.reference if payment else "",
    )
    insert_rows([dispense])
    if not _take(wanted, now):
        raise Conflict(_("تعداد بیش از باقی‌مانده است."), code="over_dispense")
    for new_line in new_lines:
        new_line.dispense = dispense
    insert_rows(new_lines)
    # the answer needs no read back: the lines in hand, as the selector's prefetch leaves them
    hold_prefetched(dispense, "lines", new_lines)
    locked.status, locked.updated_at = status_after, now
    _status_set(locked)
    if notify:
        patient_notices.dispensed(locked, dispense_id=dispense.pk, fully=fully)
    claims_services.claims_record(
        event=claims_services.EventIn(
            source=f"dispense:{dispense.pk}", facility=membership.facility,
            patient=locked.patient, service_date=today, hid=dispense.hid,
            tracking_code=locked.tracking_code, prescription_id=locked.pk,
            dispense_id=dispense.pk, prescriber_specialty=locked.doctor.specialty,
            payment_method=dispense.payment_method, payment_terminal=dispense.payment_terminal,
            payment_reference=dispense.payment_reference, paper=paper),
        scheme=priced.scheme, supplementary=priced.supplementary,
        lines=[claims_services.LineIn(
            source=f"dispense-line:{line.pk}", code=line.item.code, quantity=line.quantity,
            unit_price=line.unit_price, total=line.total, insurer_share=line.insurer_share,
            supplementary_share=line.supplementary_share, patient_share=line.patient_share,
            uid=line.uid, tracked=line.item.catalog_item.is_pack_tracked, item_id=line.item_id,
            tariff=priced.by_item[line.item_id].tariff)
            for line in new_lines])
    return dispense


def check_fulfiller(membership: Membership, prescription: Prescription) -> None:
    if not membership.is_fulfilment or prescription.kind != membership.kind_served:
        raise prescription_missing()


@dataclass(frozen=True)
class DispenseOutcome:
    dispense: Dispense
    replayed: bool


def dispense_record(*, membership: Membership, prescription: Prescription, lines: object,
                    idempotency_key: str = "", started_at: dt.datetime | None = None,
                    payment: object = None,
                    acknowledgement: Acknowledgement = Acknowledgement(),
                    paper: bool = False) -> DispenseOutcome:
    """Dispense (or perform) lines of a prescription in one short transaction.

    A retry with the same Idempotency-Key returns the first dispense; a pack code used
    anywhere before is refused and flagged for reviewers.
    """
    check_fulfiller(membership, prescription)
    return _dispense(membership, lambda: locked_for_dispense(prescription.pk)[0],
                     lines=lines, key=idempotency_key, started_at=started_at,
                     payment=payment, acknowledgement=acknowledgement, paper=paper)


def dispense_by_code(*, membership: Membership, tracking_code: object, lines: object,
                     started_at: dt.datetime | None = None, payment: object = None,
                     acknowledgement: Acknowledgement = Acknowledgement()) -> DispenseOutcome:
    """The API's dispense: the prescription of the counter's kind by its tracking code, read
    once, under its lock. Another kind's, or none, is 404 as `prescription_to_fulfil` says;
    a cancelled, expired or finished one is 409 as in `dispense_record`."""
    code = fulfilment_code(viewer=membership, tracking_code=tracking_code)

    def locate() -> Prescription:
        found = _locked_by_code(membership.kind_served, code)
        if not found:
            raise prescription_missing()
        return found[0]

    return _dispense(membership, locate, lines=lines, key="", started_at=started_at,
                     payment=payment, acknowledgement=acknowledgement, paper=False)


def _dispense(membership: Membership, locate, *, lines: object, key: str,
              started_at: dt.datetime | None, payment: object,
              acknowledgement: Acknowledgement, paper: bool) -> DispenseOutcome:
    key = str(key or "").strip()[:64]
    for _attempt in range(3):
        try:
            return _dispense_once(membership=membership, locate=locate, lines=lines, key=key,
                                  started_at=started_at, payment=payment,
                                  acknowledgement=acknowledgement, paper=paper)
        except IntegrityError as exc:  # only a drawn HID that clashed gets here
            if not _hid_clash(exc):
                raise
    raise Conflict(_("صدور شناسه شباد ممکن نشد؛ دوباره تلاش کنید."), code="hid")


def _hid_clash(exc: IntegrityError) -> bool:
    text = str(exc)
    return "dispense_hid_once" in text or "pharmacy_dispense.hid" in text


def _dispense_once(*, membership: Membership, locate, lines: object, key: str,
                   started_at: dt.datetime | None, payment: object,
                   acknowledgement: Acknowledgement, paper: bool = False) -> DispenseOutcome:
    """One attempt in one transaction; a drawn HID that clashes is the only retry. What was
    sent is checked once the prescription is found (its kind says what a line may hold);
    a refusal there writes nothing."""
    locked: Prescription | None = None
    cleaned: list[LineInput] = []
    try:
        with transaction.atomic():
            locked = locate()
            cleaned = lines_clean(lines, kind=locked.kind)
            paid = payment_clean(payment)
            started = started_at_clean(started_at, paper=paper)
            if key:
                # Checked under the lock: a concurrent retry waits here and then finds it.
                earlier = Dispense.objects.filter(facility_id=membership.facility_id,
                                                  idempotency_key=key).first()
                if earlier is not None:
                    if earlier.prescription_id != locked.pk:
                        raise Conflict(_("این کلید یکتایی برای نسخه دیگری به کار رفته است."),
                                       code="idempotency_key_reused")
                    return DispenseOutcome(earlier, True)
            dispense = perform_locked(locked=locked, membership=membership, lines=cleaned,
                                      key=key, started_at=started, payment=paid,
                                      acknowledgement=acknowledgement, paper=paper)
    except _PackReused as reused:
        _flag_reuse(membership=membership, prescription=locked, uids=reused.uids)
        raise Conflict(_("کد اصالت {c} پیش‌تر استفاده شده است.").format(
            c="، ".join(reused.uids)), code="pack_code_reused", uids=reused.uids) from None
    except IntegrityError as exc:
        if _hid_clash(exc):
            raise
        # Lost a race the checks above could not see: a pack code taken at the same
        # moment, or the database's own guard against over-dispensing.
        sent = [u.uid for u in cleaned if u.uid]
        used = {line.uid for line in _lines_of_packs(sent)}  # none sent: no query
        taken = [uid for uid in sent if uid in used]
        if taken:
            _flag_reuse(membership=membership, prescription=locked, uids=taken)
            raise Conflict(_("کد اصالت پیش‌تر استفاده شده است."), code="pack_code_reused",
                           uids=taken) from None
        raise Conflict(_("تعداد بیش از باقی‌مانده است."), code="over_dispense") from None
    return DispenseOutcome(dispense, False)
