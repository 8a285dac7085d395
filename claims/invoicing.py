"""Invoices (seed 002 §8-4, §9-1-8, §9-2-9): one per facility × fund × Jalali month over the
accepted claims of that month; deductions by the insurer's reviewers, seen by the facility
online with nothing re-entered; and the lifecycle draft → submitted → under_review →
approved → paid, every step audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import jdatetime
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, Forbidden, Invalid, NotFound
from accounts.identity import db_id, latin_digits
from accounts.jalali import fa_digits, jalali_month_days
from accounts.models import Membership, Role
from claims.models import Claim, ClaimLine, Deduction, Insurer, Invoice, InvoiceEvent


@dataclass(frozen=True)
class Month:
    label: str  # "1405-08"
    start: dt.date
    end: dt.date


def month_parse(text: object) -> Month:
    """A Jalali month `1405-08` (Persian digits allowed) and its Gregorian first and last
    days; Esfand has 29 or 30 days as the year has it."""
    match = re.fullmatch(r"\s*([0-9]{4})[-/]([0-9]{1,2})\s*", latin_digits(str(text or "")))
    if not match or not 1 <= int(match.group(2)) <= 12:
        message = _("دوره را به شکل ۱۴۰۵-۰۸ (سال و ماه شمسی) بنویسید.")
        raise Invalid(message, code="period", errors={"period": [message]})
    year, month = int(match.group(1)), int(match.group(2))
    return Month(f"{year:04d}-{month:02d}", *jalali_month_days(year, month))


def month_of(day: dt.date) -> Month:
    jalali = jdatetime.date.fromgregorian(date=day)
    return month_parse(f"{jalali.year}-{jalali.month}")


def _snapshot(invoice: Invoice) -> dict:
    return {"status": invoice.status, "claims_count": invoice.claims_count,
            "claimed": invoice.claimed, "deductions": invoice.deductions}


def _event(invoice: Invoice, action: str, before: dict, actor: Membership | None = None
           ) -> InvoiceEvent:
    return InvoiceEvent(invoice=invoice, actor=actor, action=action, before=before,
                        after=_snapshot(invoice))


@dataclass
class GenerateReport:
    period: str
    created: int = 0
    refreshed: int = 0
    unchanged: int = 0
    waiting: int = 0  # accepted claims of the month whose invoice was already submitted
    invoices: list[int] = field(default_factory=list)


def _open_claims(month: Month) -> QuerySet[Claim]:
    """Accepted claims of the month not yet fixed on a submitted invoice."""
    return Claim.objects.filter(status=Claim.Status.ACCEPTED, invoice__isnull=True,
                                service_date__range=(month.start, month.end))


def invoices_generate(*, period: object) -> GenerateReport:
    """Create the month's missing invoices and refresh its drafts from one aggregate over
    the claims; running it twice changes nothing."""
    month = month_parse(period)
    report = GenerateReport(month.label)
    with transaction.atomic():
        existing = {(i.facility_id, i.scheme_id): i for i in
                    Invoice.objects.select_for_update().filter(period=month.label)}
        totals = {(row["facility_id"], row["scheme_id"]): row for row in
                  _open_claims(month).values("facility_id", "scheme_id")
                  .annotate(count=Count("id"), amount=Sum("amount")).order_by()}
        now = timezone.now()
        new, changed, events = [], [], []
        for key in set(totals) | {k for k, i in existing.items() if i.status == "draft"}:
            row = totals.get(key, {"count": 0, "amount": 0})
            invoice = existing.get(key)
            if invoice is None:
                new.append(Invoice(facility_id=key[0], scheme_id=key[1], period=month.label,
                                   claims_count=row["count"], claimed=row["amount"] or 0))
            elif invoice.status != Invoice.Status.DRAFT:
                report.waiting += row["count"]
            elif (invoice.claims_count, invoice.claimed) == (row["count"], row["amount"] or 0):
                report.unchanged += 1
            else:
                before = _snapshot(invoice)
                invoice.claims_count, invoice.claimed = row["count"], row["amount"] or 0
                invoice.updated_at = now
                changed.append(invoice)
                events.append(_event(invoice, "refreshed", before))
        Invoice.objects.bulk_create(new)
        Invoice.objects.bulk_update(changed, ["claims_count", "claimed", "updated_at"])
        events += [_event(invoice, "created", {}) for invoice in new]
        InvoiceEvent.objects.bulk_create(events)
    report.created, report.refreshed = len(new), len(changed)
    report.invoices = [i.pk for i in new + changed]
    return report


# ---- reads ----

def invoices_visible_to(membership: Membership) -> QuerySet[Invoice]:
    """A facility's own invoices; a reviewer's insurer's; nothing for anyone else."""
    base = Invoice.objects.select_related("facility", "scheme__insurer")
    if membership.role == Role.REVIEWER:
        return base.filter(scheme__insurer__facility_id=membership.facility_id)
    if membership.is_fulfilment or membership.role == Role.DOCTOR:
        return base.filter(facility_id=membership.facility_id)
    return base.none()


def invoice_get(*, viewer: Membership, invoice_id: object) -> Invoice:
    pk = db_id(invoice_id)
    invoice = invoices_visible_to(viewer).filter(pk=pk).first() if pk else None
    if invoice is None:
        raise NotFound(_("صورت‌حساب پیدا نشد."))
    return invoice


def invoice_claims(invoice: Invoice) -> QuerySet[Claim]:
    if invoice.status == Invoice.Status.DRAFT:
        month = month_parse(invoice.period)
        return _open_claims(month).filter(facility_id=invoice.facility_id,
                                          scheme_id=invoice.scheme_id)
    return invoice.claims.all()


def invoice_lines(invoice: Invoice) -> QuerySet[ClaimLine]:
    """Every claim line of the invoice, with what was deducted from it and why."""
    return (ClaimLine.objects.filter(claim__in=invoice_claims(invoice))
            .select_related("claim")
            .annotate(deducted=Sum("deductions__amount",
                                   filter=Q(deductions__invoice=invoice)))
            .order_by("claim__service_date", "id"))


def deduction_reasons(invoice: Invoice) -> dict[int, str]:
    """The reason of each line's latest deduction, for the invoice's lines."""
    return {d.claim_line_id: d.reason for d in invoice.deduction_set.order_by("id")}


# ---- the lifecycle ----

# status → (the status it follows, who moves it: the facility or the insurer)
STEPS = {
    Invoice.Status.SUBMITTED: (Invoice.Status.DRAFT, "facility"),
    Invoice.Status.UNDER_REVIEW: (Invoice.Status.SUBMITTED, "insurer"),
    Invoice.Status.APPROVED: (Invoice.Status.UNDER_REVIEW, "insurer"),
    Invoice.Status.PAID: (Invoice.Status.APPROVED, "insurer"),
}


def _side(membership: Membership) -> str:
    return "insurer" if membership.role == Role.REVIEWER else "facility"


def invoice_status_set(*, actor: Membership, invoice: Invoice, status: object) -> Invoice:
    """Move an invoice one step; anything out of order is a conflict, the other side's
    step is forbidden. Submitting fixes its claims."""
    if status not in STEPS:
        message = _("وضعیت باید یکی از submitted، under_review، approved یا paid باشد.")
        raise Invalid(message, code="status", errors={"status": [message]})
    after, side = STEPS[status]
    if _side(actor) != side:
        raise Forbidden(_("این گام با {w} است.").format(
            w=_("مرکز") if side == "facility" else _("بیمه‌گر")), code="wrong_side")
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != after:
            raise Conflict(_("صورت‌حساب «{s}» است و این گام به ترتیب نیست.").format(
                s=locked.get_status_display()), code="out_of_order")
        before = _snapshot(locked)
        if status == Invoice.Status.SUBMITTED:
            claims = invoice_claims(locked)
            row = claims.aggregate(count=Count("id"), amount=Sum("amount"))
            if not row["count"]:
                raise Conflict(_("این صورت‌حساب سندی ندارد."), code="empty")
            claims.update(invoice=locked)
            locked.claims_count, locked.claimed = row["count"], row["amount"]
        locked.status = status
        locked.updated_at = timezone.now()
        locked.save()
        _event(locked, f"status:{status}", before, actor).save()
    return locked


def deduction_add(*, actor: Membership, invoice: Invoice, claim_line: object, amount: object,
                  reason: object, note: object = "") -> Deduction:
    """A reviewer deducts from one line of an invoice under review, within what the line
    asks for; `other` needs a note."""
    if actor.role != Role.REVIEWER:
        raise Forbidden(_("فقط کارشناس بیمه کسر می‌گذارد."))
    errors: dict[str, list[str]] = {}
    if reason not in Deduction.Reason.values:
        errors["reason"] = [_("علت باید یکی از {r} باشد.").format(
            r="، ".join(Deduction.Reason.values))]
    note_text = note.strip() if isinstance(note, str) else ""
    if reason == Deduction.Reason.OTHER and not note_text:
        errors["note"] = [_("برای «سایر» توضیح لازم است.")]
    if len(note_text) > 500:
        errors["note"] = [_("توضیح حداکثر ۵۰۰ نویسه است.")]
    value = db_id(amount)  # a whole positive number of Rials, nothing the database chokes on
    if value is None:
        errors["amount"] = [_("مبلغ باید عدد صحیح مثبت (ریال) باشد.")]
    line_id = db_id(claim_line)
    if line_id is None:
        errors["claim_line"] = [_("سطر سند نامعتبر است.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != Invoice.Status.UNDER_REVIEW:
            raise Conflict(_("کسر فقط روی صورت‌حساب در حال رسیدگی گذاشته می‌شود."),
                           code="not_under_review")
        line = ClaimLine.objects.filter(pk=line_id, claim__invoice=locked).first()
        if line is None:
            message = _("این سطر در این صورت‌حساب نیست.")
            raise Invalid(message, code="claim_line", errors={"claim_line": [message]})
        taken = line.deductions.aggregate(s=Sum("amount"))["s"] or 0
        if taken + value > line.amount:
            raise Conflict(_("کسورات این سطر از سهم بیمه آن ({n} ریال) بیشتر می‌شود.").format(
                n=fa_digits(f"{line.amount:,}")), code="over_line")
        before = _snapshot(locked)
        deduction = Deduction.objects.create(invoice=locked, claim_line=line, amount=value,
                                             reason=reason, note=note_text, by=actor)
        locked.deductions += value
        locked.updated_at = timezone.now()
        locked.save(update_fields=["deductions", "updated_at"])
        _event(locked, "deduction", before, actor).save()
    return deduction


def reviewer_insurer(membership: Membership) -> Insurer | None:
    if membership.role != Role.REVIEWER:
        return None
    return Insurer.objects.filter(facility_id=membership.facility_id).first()


def month_end_generate(today: dt.date | None = None) -> GenerateReport | None:
    """Beat runs this every evening: on the last day of a Jalali month (29 or 30 Esfand
    included) it generates that month's invoices."""
    today = today or timezone.localdate()
    if jdatetime.date.fromgregorian(date=today + dt.timedelta(days=1)).day != 1:
        return None
    return invoices_generate(period=month_of(today).label)
