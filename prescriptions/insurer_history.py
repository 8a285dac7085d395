"""Seed 004 as written: insurer staff (reviewers) read a covered person's history across
facilities (prescriptions with what was dispensed, and their own insurer's claims) only
with the `history` right on their membership and a live unlock: a code sent to their own
registered mobile, valid while they keep reading and lapsing HISTORY_UNLOCK_MINUTES after
the last read. Every read is in the access log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import otp_limits, paging, throttle
from accounts import services as accounts_services
from accounts.errors import Forbidden, Invalid, NotFound
from accounts.identity import latin_digits
from accounts.models import AccessLog, HistoryUnlock, Membership, Patient, Role, SMSDevice
from claims.models import Claim, Coverage, Insurer
from prescriptions.models import Prescription

LIMIT = 200


@dataclass(frozen=True)
class InsurerHistory:
    patient: Patient
    prescriptions: list[Prescription]
    claims: list[Claim]
    valid_until: object
    page: paging.Page | None = None


def _require_right(membership: Membership) -> None:
    if membership.role != Role.REVIEWER:
        raise Forbidden(_("سوابق بیمه‌شدگان فقط برای کارشناس بیمه است."))
    if not membership.history_permission:
        raise Forbidden(_("اجازه مشاهده سوابق برای این عضویت داده نشده است."),
                        code="history_permission")


def _context(membership: Membership) -> str:
    return f"history:m{membership.pk}"


def unlock_request(*, membership: Membership, ip: str | None) -> None:
    """A code to the reviewer's own mobile; the daily caps of every code apply."""
    _require_right(membership)
    user = membership.user
    otp_limits.check(purpose=SMSDevice.Purpose.HISTORY, subject=user.national_code,
                     asking=True)
    wait = throttle.start_cooldown(f"history:cool:{membership.pk}",
                                   seconds=settings.OTP_RESEND_SECONDS)
    if wait:
        raise accounts_services.resend_too_soon(wait)
    otp_limits.code_sent(purpose=SMSDevice.Purpose.HISTORY, subject=user.national_code)
    accounts_services.sms_code_send(user=user, purpose=SMSDevice.Purpose.HISTORY,
                                    context=_context(membership))
    accounts_services.access_log_record(action=AccessLog.Action.HISTORY_UNLOCK,
                                        actor=user, membership=membership,
                                        target="request", ip=ip)


def unlock_verify(*, membership: Membership, code: object, ip: str | None) -> HistoryUnlock:
    _require_right(membership)
    user = membership.user
    otp_limits.check(purpose=SMSDevice.Purpose.HISTORY, subject=user.national_code)
    text = latin_digits(str(code or "")).strip()
    ok = text.isascii() and text.isdigit() and accounts_services.sms_code_verify(
        user=user, purpose=SMSDevice.Purpose.HISTORY, code=text, context=_context(membership))
    if not ok:
        otp_limits.failed(purpose=SMSDevice.Purpose.HISTORY, subject=user.national_code)
        raise Invalid(_("کد نادرست است یا منقضی شده است."), code="invalid_code",
                      errors={"code": [_("کد نادرست است یا منقضی شده است.")]})
    unlock = HistoryUnlock.objects.create(membership=membership, valid_until=_lapse())
    accounts_services.access_log_record(action=AccessLog.Action.HISTORY_UNLOCK, actor=user,
                                        membership=membership, target="granted", ip=ip)
    return unlock


def _lapse():
    return timezone.now() + timedelta(minutes=settings.HISTORY_UNLOCK_MINUTES)


def unlock_live(membership: Membership) -> HistoryUnlock | None:
    return (HistoryUnlock.objects.filter(membership=membership, valid_until__gt=timezone.now())
            .order_by("-valid_until").first())


def history_read(*, membership: Membership, patient: Patient, ip: str | None,
                 params=None) -> InsurerHistory:
    """A page of the person's prescriptions (every facility, what was dispensed of them,
    newest first; `params` carries page_size and cursor) and the reviewer's insurer's claims
    for those prescriptions; each read moves the unlock's lapse on."""
    _require_right(membership)
    unlock = unlock_live(membership)
    if unlock is None:
        raise Forbidden(_("سوابق قفل است: کد پیامکی را بگیرید و وارد کنید."), code="unlock")
    insurers = Insurer.objects.filter(facility_id=membership.facility_id)
    holders = [patient.pk] + ([patient.mother_id] if patient.is_newborn else [])
    if not Coverage.objects.filter(patient_id__in=holders, scheme__insurer__in=insurers).exists():
        raise NotFound(_("این شخص بیمه‌شده سازمان شما نیست."))
    # a conditional UPDATE: the lapse only moves on while the unlock is still live
    HistoryUnlock.objects.filter(pk=unlock.pk, valid_until__gt=timezone.now()).update(
        valid_until=_lapse())
    unlock.refresh_from_db(fields=["valid_until"])
    from prescriptions.selectors import prescriptions_base

    page = paging.keyset(prescriptions_base().filter(patient=patient),
                         params if params is not None else {"page_size": LIMIT},
                         order=("-created_at", "-pk"), scope=f"insurer-history:{patient.pk}")
    prescriptions = page.items
    # the page's prescriptions' claims, and their visits' own (a visit claims no prescription)
    claims = list(Claim.objects.filter(
        Q(prescription_id__in=[p.pk for p in prescriptions])
        | Q(prescription__isnull=True, visit_id__in={p.visit_id for p in prescriptions}),
        patient=patient, scheme__insurer__in=insurers)
                  .select_related("scheme__insurer", "facility")
                  .prefetch_related("lines").order_by("-service_date", "-pk"))
    accounts_services.access_log_record(action=AccessLog.Action.HISTORY_READ,
                                        actor=membership.user, membership=membership,
                                        patient=patient, target="insurer", ip=ip)
    return InsurerHistory(patient, prescriptions, claims, unlock.valid_until, page)
