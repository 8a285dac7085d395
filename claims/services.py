"""Claims verbs: recording what insurers owe for a service event, and a facility's sending
of its claims (seed 000): add the unsent ones in a range, send, resend the failed ones."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Conflict, Invalid
from accounts.jalali import parse_date_any
from accounts.models import Facility, Membership, Patient
from claims import exchange
from claims.models import Claim, ClaimLine, Connection, Insurer, Job, Scheme
from claims.selectors import Period
from config.sql import insert_rows

MAX_RANGE_DAYS = 366


# ---- recording ----

@dataclass(frozen=True)
class LineIn:
    """One line of a service event, priced and split (basic, supplementary, patient)."""

    source: str
    code: str
    quantity: int
    unit_price: int
    total: int
    insurer_share: int
    supplementary_share: int
    patient_share: int
    uid: str = ""
    tracked: bool = False
    item_id: int | None = None
    tariff: int | None = None


@dataclass(frozen=True)
class EventIn:
    """A service event as the facility claims it."""

    source: str  # "dispense:12", "visit:7"
    facility: Facility
    patient: Patient
    service_date: dt.date
    hid: str
    tracking_code: str = ""
    prescription_id: int | None = None
    visit_id: int | None = None
    dispense_id: int | None = None
    prescriber_specialty: str = ""
    payment_method: str = ""
    payment_terminal: str = ""
    payment_reference: str = ""
    paper: bool = False


def claims_record(*, event: EventIn, scheme: Scheme | None, supplementary: Scheme | None,
                  lines: list[LineIn]) -> list[Claim]:
    """One claim per insurer for the event: the basic scheme's for the insurer shares and,
    when the patient has a supplementary cover with something to pay, the supplementary
    scheme's. Nothing for the uninsured. Called inside the event's own transaction: one
    INSERT for the claims and one for their lines, whatever their number."""
    claims, payers = [], []
    for payer, field in ((scheme, "insurer_share"), (supplementary, "supplementary_share")):
        amount = sum(getattr(line, field) for line in lines)
        if payer is None or not lines or (field == "supplementary_share" and not amount):
            continue
        claims.append(Claim(
            facility=event.facility, scheme=payer, patient=event.patient,
            source=f"{event.source}:{payer.code}", tracking_code=event.tracking_code,
            hid=event.hid, service_date=event.service_date,
            prescription_id=event.prescription_id, visit_id=event.visit_id,
            dispense_id=event.dispense_id, prescriber_specialty=event.prescriber_specialty,
            payment_method=event.payment_method, payment_terminal=event.payment_terminal,
            payment_reference=event.payment_reference, paper=event.paper,
            total=sum(line.total for line in lines),
            insurer_share=sum(line.insurer_share for line in lines),
            supplementary_share=sum(line.supplementary_share for line in lines),
            patient_share=sum(line.patient_share for line in lines), amount=amount))
        payers.append((payer, field))
    if not claims:
        return []
    insert_rows(claims)
    insert_rows([
        ClaimLine(claim=claim, item_id=line.item_id, source=f"{line.source}:{payer.code}",
                  code=line.code, quantity=line.quantity, unit_price=line.unit_price,
                  total=line.total, insurer_share=line.insurer_share,
                  supplementary_share=line.supplementary_share,
                  patient_share=line.patient_share, amount=getattr(line, field),
                  uid=line.uid, tracked=line.tracked, tariff=line.tariff)
        for claim, (payer, field) in zip(claims, payers, strict=True) for line in lines])
    return claims


# ---- the facility's range of claims ----

def _date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date_any(value)
    except (ValueError, TypeError):
        message = _("تاریخ را به شکل ۱۴۰۵-۰۹-۰۲ (شمسی) یا 2026-11-23 وارد کنید.")
        raise Invalid(message, code="date", errors={field: [message]}) from None


def period_clean(*, date_from: object, date_to: object, schemes: object,
                 require_schemes: bool = True) -> Period:
    """A range of service dates (ISO or Jalali, at most a year, not in the future) and the
    funds it covers (codes)."""
    start, end = _date(date_from, "from"), _date(date_to, "to")
    if start > end:
        raise Invalid(_("تاریخ شروع بعد از تاریخ پایان است."), code="range_reversed",
                      errors={"from": [_("تاریخ شروع بعد از تاریخ پایان است.")]})
    if end > timezone.localdate():
        raise Invalid(_("تاریخ پایان در آینده است."), code="range_future",
                      errors={"to": [_("تاریخ پایان در آینده است.")]})
    if (end - start).days > MAX_RANGE_DAYS:
        raise Invalid(_("بازه تاریخ حداکثر یک سال است."), code="range_too_long",
                      errors={"to": [_("بازه تاریخ حداکثر یک سال است.")]})
    if schemes in (None, "", []):
        if require_schemes:
            raise Invalid(_("دست‌کم یک صندوق بیمه را انتخاب کنید."), code="schemes",
                          errors={"schemes": [_("لازم است.")]})
        return Period(start, end, ())
    if isinstance(schemes, str):
        schemes = [schemes]
    if not isinstance(schemes, list) or not all(isinstance(s, str) for s in schemes) or len(
            schemes) > 50:
        raise Invalid(_("فهرست صندوق‌ها نامعتبر است."), code="schemes",
                      errors={"schemes": [_("فهرستی از کد صندوق‌ها بفرستید.")]})
    codes = tuple(sorted({s.strip().upper()[:32] for s in schemes}))
    known = set(Scheme.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        message = _("صندوق «{c}» شناخته نیست.").format(c="، ".join(unknown))
        raise Invalid(message, code="unknown_scheme", errors={"schemes": [message]})
    return Period(start, end, codes)


def _in_period(facility: Facility, period: Period):
    claims = Claim.objects.filter(facility=facility,
                                  service_date__range=(period.date_from, period.date_to))
    return claims.filter(scheme__code__in=period.schemes) if period.schemes else claims


def claims_add_unsent(*, facility: Facility, period: Period) -> int:
    """«افزودن نسخه‌های ارسال‌نشده»: the unsent claims of the range join the send list."""
    return _in_period(facility, period).filter(status=Claim.Status.UNSENT).update(
        status=Claim.Status.QUEUED)


def _connections_required(facility: Facility, period: Period) -> None:
    insurers = Insurer.objects.filter(schemes__code__in=period.schemes).distinct()
    have = set(Connection.objects.filter(facility=facility).values_list("insurer_id",
                                                                        flat=True))
    missing = [i for i in insurers if i.pk not in have]
    if missing:
        names = "، ".join(i.name for i in missing)
        raise Conflict(
            _("برای ارسال به «{n}» تنظیمات اتصال ثبت نشده است؛ آن را در صفحه «تنظیمات اتصال به "
              "بیمه‌گران» وارد کنید.").format(n=names),
            code="no_connection", insurers=[i.code for i in missing])


@dataclass(frozen=True)
class JobStart:
    job: Job
    created: bool


def claims_send(*, membership: Membership, period: Period,
                kind: str = Job.Kind.SEND) -> JobStart:
    """Send the queued claims of the range in the worker; with `resend`, the failed ones are
    queued again first. A send already running for the same range and funds is the answer
    to a second request (one job, the database guarantees it)."""
    facility = membership.facility
    _connections_required(facility, period)
    funds = hashlib.sha256(",".join(sorted(set(period.schemes))).encode()).hexdigest()[:32]
    scope = f"{facility.pk}:{period.date_from}:{period.date_to}:{funds}"
    with transaction.atomic():
        running = Job.objects.filter(scope=scope, status__in=[Job.Status.QUEUED,
                                                              Job.Status.RUNNING]).first()
        if running is not None:
            return JobStart(running, False)
        if kind == Job.Kind.RESEND:
            _in_period(facility, period).filter(status=Claim.Status.FAILED).update(
                status=Claim.Status.QUEUED, reason="", reason_code="")
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    facility=facility, started_by=membership, kind=kind, scope=scope,
                    date_from=period.date_from, date_to=period.date_to,
                    schemes=list(period.schemes))
        except IntegrityError:  # a concurrent request started it a moment ago
            return JobStart(Job.objects.get(scope=scope, status__in=[
                Job.Status.QUEUED, Job.Status.RUNNING]), False)
        job.total = _in_period(facility, period).filter(
            status=Claim.Status.QUEUED, job__isnull=True).update(job=job)
        if not job.total:
            job.status, job.finished_at = Job.Status.DONE, timezone.now()
            job.detail = _("سندی در صف ارسال نیست؛ ابتدا «افزودن نسخه‌های ارسال‌نشده» را بزنید.")
        job.save(update_fields=["total", "status", "finished_at", "detail"])
        if job.total:
            from claims.tasks import claims_job_run

            transaction.on_commit(lambda: claims_job_run.delay(job.pk))
    return JobStart(job, True)


# ---- the worker's side ----

def _stale_after() -> timedelta:
    """How long a claim may stay `sent` before it is taken as lost in a crash and sent
    again (the insurer answers a claim id once, so sending twice accepts nothing twice)."""
    tries = settings.INSURER_RETRIES + 1
    backoff = settings.INSURER_BACKOFF_SECONDS * (2 ** tries)
    return timedelta(seconds=settings.INSURER_TIMEOUT_SECONDS * tries + backoff + 5)


class Step:
    MORE = "more"
    WAIT = "wait"
    DONE = "done"


def job_step(job_id: int) -> str:
    """Send one batch of a job's claims to one insurer and record the answers. Idempotent:
    whatever state a killed worker left, the next step finishes it."""
    job = Job.objects.select_related("facility").filter(pk=job_id).first()
    if job is None or job.status in (Job.Status.DONE, Job.Status.FAILED):
        return Step.DONE
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING)
    now = timezone.now()
    lost = Q(status=Claim.Status.SENT, sent_at__lt=now - _stale_after())
    pickable = Claim.objects.filter(job=job).filter(Q(status=Claim.Status.QUEUED) | lost)
    with transaction.atomic():
        first = (pickable.order_by("scheme__insurer_id", "id")
                 .values("scheme__insurer_id").first())
        if first is None:
            if job.claims.filter(status=Claim.Status.SENT).exists():
                return Step.WAIT  # in flight elsewhere, or waiting to be taken as lost
            Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE,
                                                 finished_at=timezone.now())
            return Step.DONE
        ids = list(pickable.filter(scheme__insurer_id=first["scheme__insurer_id"])
                   .select_for_update(skip_locked=True).order_by("id")
                   .values_list("pk", flat=True)[:settings.CLAIMS_BATCH_SIZE])
        Claim.objects.filter(pk__in=ids).update(status=Claim.Status.SENT, sent_at=now,
                                                attempts=F("attempts") + 1)
    if not ids:
        return Step.WAIT
    batch = list(Claim.objects.filter(pk__in=ids).select_related(
        "scheme__insurer", "patient", "facility").prefetch_related("lines").order_by("id"))
    outcomes = _exchange(job.facility, batch[0].scheme.insurer, batch)
    _record(job, outcomes)
    return Step.MORE


def _exchange(facility: Facility, insurer: Insurer, batch: list[Claim]
              ) -> list[exchange.Outcome]:
    try:
        if exchange.is_remote(insurer):
            connection = Connection.objects.select_related("facility").get(
                facility=facility, insurer=insurer)
            return exchange.http_exchange(insurer, connection, batch)
        return exchange.builtin_check(batch)
    except Exception as error:
        reason = _("خطای پیش‌بینی‌نشده در ارسال: {e}").format(e=type(error).__name__)
        return [exchange.Outcome(c.pk, Claim.Status.FAILED, reason, "internal") for c in batch]


def _record(job: Job, outcomes: list[exchange.Outcome]) -> None:
    """One UPDATE per kind of answer; only a claim still `sent` moves, so a late or repeated
    answer never accepts a claim twice or undoes a decision."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.status, outcome.reason, outcome.reason_code), []).append(
            outcome.claim_id)
    now = timezone.now()
    with transaction.atomic():
        for (status, reason, code), ids in groups.items():
            Claim.objects.filter(pk__in=ids, job=job, status=Claim.Status.SENT).update(
                status=status, reason=reason[:300], reason_code=code[:40], decided_at=now)


def jobs_resume() -> list[int]:
    """Beat's safety net: a running job whose worker vanished gets its next step again."""
    from claims.tasks import claims_job_run

    stale = timezone.now() - _stale_after()
    jobs = list(Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
                                   created_at__lt=stale).values_list("pk", flat=True))
    for job_id in jobs:
        claims_job_run.delay(job_id)
    return jobs


# ---- connection settings ----

def connection_save(*, facility: Facility, insurer: Insurer, username: str, password: str,
                    terminal: str, technical_officer: str = "") -> Connection:
    """Keep a facility's credentials at an insurer; a blank password keeps the stored one."""
    errors = {}
    if not username.strip() or len(username) > 100:
        errors["username"] = [_("نام کاربری لازم است (حداکثر ۱۰۰ نویسه).")]
    if not terminal.strip() or len(terminal) > 32:
        errors["terminal"] = [_("شماره ترمینال لازم است (حداکثر ۳۲ نویسه).")]
    if len(technical_officer) > 20:
        errors["technical_officer"] = [_("شماره نظام پزشکی حداکثر ۲۰ نویسه است.")]
    existing = Connection.objects.filter(facility=facility, insurer=insurer).first()
    if not password and existing is None:
        errors["password"] = [_("رمز لازم است.")]
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    connection = existing or Connection(facility=facility, insurer=insurer)
    connection.username, connection.terminal = username.strip(), terminal.strip()
    connection.technical_officer = technical_officer.strip()
    if password:
        connection.set_password(password)
    connection.check_ok, connection.check_message = None, ""
    connection.save()
    return connection


def connection_test(*, connection: Connection) -> Connection:
    ok, message = exchange.connection_check(connection)
    connection.check_ok, connection.check_message = ok, message[:300]
    connection.checked_at = timezone.now()
    connection.save(update_fields=["check_ok", "check_message", "checked_at"])
    return connection
