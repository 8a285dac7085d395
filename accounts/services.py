"""The accounts domain's verbs: one-time codes, sign-in, memberships, the access log."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import otp_limits, signing, throttle
from accounts.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceUnavailable,
    Throttled,
    Unverifiable,
)
from accounts.identity import (
    PatientIdentifier,
    db_id,
    latin_digits,
    normalize_mobile,
    normalize_national_code,
    parse_patient_identifier,
)
from accounts.jalali import fa_digits
from accounts.models import (
    ROLE_FACILITY_KINDS,
    AccessLog,
    ApiToken,
    BlockedNationalCode,
    DoctorKey,
    Facility,
    Membership,
    Patient,
    Practitioner,
    Role,
    SMSDevice,
    Specialty,
    User,
)
from accounts.sms import SMSError, ping_gateways, send_sms
from config.sql import hot_cursor, insert_rows, read_alias

OTP_TEXT = {
    SMSDevice.Purpose.LOGIN: "نسخه: کد ورود شما {code} است. این کد را به کسی ندهید.",
    SMSDevice.Purpose.CONSENT: (
        "نسخه: پزشک {who} درخواست مشاهده سوابق درمانی شما را دارد. "
        "اگر موافقید کد {code} را به پزشک بگویید."
    ),
    SMSDevice.Purpose.SIGN: "نسخه: کد امضای نسخه {code} است.",
    SMSDevice.Purpose.HISTORY: ("نسخه: کد باز کردن سوابق بیمه‌شدگان {code} است. اگر شما "
                                "درخواست نکرده‌اید، به مدیر سامانه خبر دهید."),
}


@dataclass(frozen=True)
class OtpChallenge:
    expires_in: int
    resend_in: int


def _field_error(field: str, exc: ValidationError) -> Invalid:
    return Invalid(exc.messages[0], code="invalid", errors={field: exc.messages})


def national_code_clean(value: object, *, field: str = "national_code") -> str:
    try:
        return normalize_national_code(value)
    except ValidationError as exc:
        raise _field_error(field, exc) from None


def patient_identifier_clean(value: object, *, field: str = "national_code",
                             probe_blocked: bool = True) -> PatientIdentifier:
    """A typed patient identifier (national code, FIDA code or unique id); a national code
    the civil registry blocked is refused here, wherever a patient is looked up, unless
    the caller's own query reads that (`probe_blocked=False`: the counter's lookup)."""
    try:
        identifier = parse_patient_identifier(value)
    except ValidationError as exc:
        raise _field_error(field, exc) from None
    if probe_blocked and identifier.kind == "national_code":
        national_code_not_blocked(identifier.value, field=field)
    return identifier


def national_code_not_blocked(code: str, *, field: str = "national_code",
                              blocked: bool | None = None) -> None:
    """Refuse a blocked national code: probed here, or `blocked` as the caller's own query
    already read it (with `blocked_sql()` among its columns)."""
    if _blocked(code) if blocked is None else blocked:
        message = _("این کد ملی از سوی ثبت احوال مسدود شده است؛ بیمار را «بدون شناسه» ثبت "
                    "کنید تا شناسه یکتا بگیرد.")
        raise Invalid(message, code="blocked_national_code", errors={field: [message]})


def blocked_sql() -> str:
    """`EXISTS (…)`: whether the one %s parameter is a blocked national code, a probe of the
    unique index that another query can carry as a column (the counter's lookup does)."""
    meta = BlockedNationalCode._meta
    quote = connection.ops.quote_name
    return (f"EXISTS (SELECT 1 FROM {quote(meta.db_table)} "  # noqa: S608 - names only
            f"WHERE {quote(meta.get_field('code').column)} = %s)")


def _blocked(code: str) -> bool:
    """The probe written by hand and prepared: compiling the ORM's query cost more than
    running it."""
    with hot_cursor(read_alias(BlockedNationalCode)) as cursor:
        cursor.execute(f"SELECT {blocked_sql()}", [code])
        return bool(cursor.fetchone()[0])


def mobile_clean(value: object, *, field: str = "mobile") -> str:
    try:
        return normalize_mobile(value)
    except ValidationError as exc:
        raise _field_error(field, exc) from None


def access_log_record(
    *,
    action: str,
    actor: User | None = None,
    membership: Membership | None = None,
    patient: Patient | None = None,
    national_code: str = "",
    target: str = "",
    ip: str | None = None,
    actor_id: int | None = None,
) -> AccessLog:
    """The one way anything is written to the access log (`actor_id` when only the id is
    in hand: no read of the user to write the row)."""
    return insert_rows([AccessLog(
        action=action,
        actor_id=actor.pk if actor is not None else actor_id,
        membership=membership,
        patient=patient,
        national_code=national_code or (patient.identifier_value if patient else ""),
        target=target[:64],
        ip=ip,
    )])[0]


def access_log_record_many(
    *, action: str, actor: User, membership: Membership | None, patients, target: str = "",
    ip: str | None = None,
) -> None:
    """Log one read per distinct patient in one INSERT (list pages stay bounded)."""
    seen: dict[int, Patient] = {p.pk: p for p in patients}
    insert_rows([
        AccessLog(
            action=action, actor=actor, membership=membership, patient=p,
            national_code=p.identifier_value, target=target[:64], ip=ip,
        )
        for p in seen.values()
    ])


def _login_candidate(national_code: str, mobile: str) -> User | None:
    user = User.objects.filter(national_code=national_code, is_active=True).first()
    if user is None or user.mobile != mobile:
        return None
    if not user.is_staff and not user.memberships.filter(is_active=True).exists():
        return None
    return user


SMS_DOWN_KEY = "sms:gateway-down"
SMS_DOWN_SECONDS = 60


def _sms_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(_("سامانه پیامک در دسترس نیست. چند دقیقه دیگر دوباره تلاش کنید."),
                              code="sms_unavailable")


def sms_gateway_check() -> None:
    """Refuse early while the gateway is known to be down (the same answer for everyone)."""
    if cache.get(SMS_DOWN_KEY):
        raise _sms_unavailable()


def sms_code_deliver(*, user_id: int, purpose: str, context: str = "",
                     text_args: dict | None = None) -> None:
    """Issue a fresh code on the person's device and send it. Runs in the worker when a
    broker is configured, so the code never travels through the broker in plain text and
    the sign-in answer takes the same time whether or not an SMS is sent."""
    user = User.objects.get(pk=user_id)
    with transaction.atomic():
        device, _created = SMSDevice.objects.select_for_update().get_or_create(
            user=user, purpose=purpose, context=context,
            defaults={"name": f"sms-{purpose}"},
        )
        code = device.issue_code(ttl_seconds=settings.OTP_TTL_SECONDS)
    text = OTP_TEXT[purpose].format(code=code, **(text_args or {}))
    try:
        send_sms(to=user.mobile, text=text, purpose=purpose, code=code)
    except SMSError:
        SMSDevice.objects.filter(pk=device.pk).update(token=None)
        cache.set(SMS_DOWN_KEY, True, timeout=SMS_DOWN_SECONDS)
        raise


def sms_gateway_probe() -> None:
    try:
        ping_gateways()
    except SMSError:
        cache.set(SMS_DOWN_KEY, True, timeout=SMS_DOWN_SECONDS)
        raise


def _through_worker(task, *args) -> None:
    from kombu.exceptions import OperationalError

    sms_gateway_check()
    try:
        task.delay(*args)
    except (SMSError, OperationalError):
        raise _sms_unavailable() from None


def sms_code_send(*, user: User, purpose: str, context: str = "", **text_args: str) -> None:
    """Send a new code for this purpose to the person (through the worker when there is one)."""
    from accounts.tasks import sms_code_deliver_task

    _through_worker(sms_code_deliver_task, user.pk, purpose, context, text_args)


def sms_code_verify(*, user: User, purpose: str, code: str, context: str = "") -> bool:
    """Check a code; raises Throttled once the code is dead after too many wrong tries."""
    with transaction.atomic():
        device = (
            SMSDevice.objects.select_for_update()
            .filter(user=user, purpose=purpose, context=context)
            .first()
        )
        if device is None:
            return False
        dead_before = device.is_dead
        allowed, _info = device.verify_is_allowed()
        ok = allowed and not dead_before and device.verify_token(str(code).strip())
    # Raised outside the atomic block so the failure count it saved is kept.
    if dead_before or device.is_dead:
        raise Throttled(_("تعداد تلاش‌های نادرست زیاد بود. کد تازه بگیرید."), code="code_dead")
    if not allowed:
        raise Throttled(_("چند ثانیه صبر کنید و دوباره تلاش کنید."), code="slow_down")
    return ok


def resend_too_soon(wait: int) -> Throttled:
    """A second code asked for within the cooldown (seconds in Persian digits)."""
    return Throttled(_("کد قبلی هنوز معتبر است. پس از {s} ثانیه دوباره درخواست کنید.")
                     .format(s=fa_digits(wait)), code="resend_cooldown", retry_after=wait)


def otp_request(*, national_code: object, mobile: object, ip: str | None) -> OtpChallenge:
    """Ask for a sign-in code. The answer never says whether the person exists."""
    code_owner = national_code_clean(national_code)
    mobile_number = mobile_clean(mobile)
    if ip and throttle.hit(f"otp:ip:{ip}", window_seconds=3600) > (
        settings.OTP_MAX_REQUESTS_PER_IP_PER_HOUR
    ):
        raise Throttled(_("درخواست‌های زیادی از این نشانی رسیده است. بعداً تلاش کنید."),
                        code="ip_throttled", retry_after=3600)
    sms_gateway_check()
    otp_limits.check(purpose=SMSDevice.Purpose.LOGIN, subject=code_owner, asking=True)
    wait = throttle.start_cooldown(f"otp:cool:{code_owner}", seconds=settings.OTP_RESEND_SECONDS)
    if wait:
        raise resend_too_soon(wait)
    otp_limits.code_sent(purpose=SMSDevice.Purpose.LOGIN, subject=code_owner)
    throttle.clear(f"otp:fail:{code_owner}")
    user = _login_candidate(code_owner, mobile_number)
    try:
        if user is not None:
            sms_code_send(user=user, purpose=SMSDevice.Purpose.LOGIN)
        else:
            # nobody to send to: ask the gateway instead, so an outage answers alike
            from accounts.tasks import sms_gateway_probe_task

            _through_worker(sms_gateway_probe_task)
    except ServiceUnavailable:
        throttle.clear(f"otp:cool:{code_owner}")  # nothing was sent: asking again is fair
        raise
    return OtpChallenge(expires_in=settings.OTP_TTL_SECONDS, resend_in=settings.OTP_RESEND_SECONDS)


def otp_verify(*, national_code: object, code: object, ip: str | None) -> User:
    """Check a sign-in code; unknown people and wrong codes get the same 400."""
    code_owner = national_code_clean(national_code)
    code_text = latin_digits(str(code or "")).strip()
    if not (code_text.isascii() and code_text.isdigit() and len(code_text) == 6):
        raise Invalid(_("کد باید ۶ رقم باشد."), errors={"code": [_("کد باید ۶ رقم باشد.")]})
    fail_key = f"otp:fail:{code_owner}"
    otp_limits.check(purpose=SMSDevice.Purpose.LOGIN, subject=code_owner)
    if throttle.count(fail_key) >= settings.OTP_MAX_ATTEMPTS:
        raise Throttled(_("تعداد تلاش‌های نادرست زیاد بود. کد تازه بگیرید."), code="code_dead")
    if ip and throttle.hit(f"otp:verify-ip:{ip}", window_seconds=3600) > (
        settings.OTP_MAX_REQUESTS_PER_IP_PER_HOUR * settings.OTP_MAX_ATTEMPTS
    ):
        raise Throttled(_("درخواست‌های زیادی از این نشانی رسیده است. بعداً تلاش کنید."),
                        code="ip_throttled", retry_after=3600)
    user = User.objects.filter(national_code=code_owner, is_active=True).first()
    ok = False
    try:
        if user is not None:
            ok = sms_code_verify(user=user, purpose=SMSDevice.Purpose.LOGIN, code=code_text)
    finally:
        if not ok:
            failures = throttle.hit(fail_key, window_seconds=settings.OTP_TTL_SECONDS * 10)
            otp_limits.failed(purpose=SMSDevice.Purpose.LOGIN, subject=code_owner)
            access_log_record(action=AccessLog.Action.LOGIN_FAILED, actor=user,
                              national_code=code_owner, ip=ip)
    if not ok:
        if failures >= settings.OTP_MAX_ATTEMPTS:
            raise Throttled(_("تعداد تلاش‌های نادرست زیاد بود. کد تازه بگیرید."),
                            code="code_dead")
        raise Invalid(_("کد نادرست است یا منقضی شده است."), code="invalid_code",
                      errors={"code": [_("کد نادرست است یا منقضی شده است.")]})
    throttle.clear(fail_key)
    return user


def memberships_of(user: User):
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("facility")
        .order_by("id")
    )


def membership_for(*, user: User, membership_id: object) -> Membership:
    """The user's own active membership with this id; anything else is a 400."""
    pk = db_id(membership_id)
    membership = memberships_of(user).filter(pk=pk).first() if pk else None
    if membership is None:
        raise Invalid(_("این عضویت متعلق به شما نیست."), code="invalid_membership",
                      errors={"membership": [_("عضویت نامعتبر است.")]})
    return membership


def signin_complete(*, user: User, membership: Membership | None, ip: str | None,
                    via: str) -> None:
    access_log_record(action=AccessLog.Action.LOGIN_OK, actor=user, membership=membership,
                      national_code=user.national_code, target=via, ip=ip)


def api_token_issue(*, user: User, membership_id: object | None) -> tuple[ApiToken, str]:
    memberships = list(memberships_of(user))
    if membership_id not in (None, ""):
        membership = membership_for(user=user, membership_id=membership_id)
    else:
        membership = memberships[0] if memberships else None
    return ApiToken.issue(user=user, membership=membership)


def api_token_switch(*, token: ApiToken, membership_id: object) -> Membership:
    membership = membership_for(user=token.user, membership_id=membership_id)
    token.membership = membership
    token.save(update_fields=["membership"])
    return membership


def api_token_revoke(*, token: ApiToken, ip: str | None) -> None:
    from django.utils import timezone

    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    access_log_record(action=AccessLog.Action.LOGOUT, actor=token.user, ip=ip,
                      national_code=token.user.national_code, target="api")


def practitioner_for(*, user: User, council_number: str = "", specialty: str = "",
                     full_name: str = "") -> Practitioner:
    """The person's one licence record, created on their first doctor membership."""
    practitioner = Practitioner.objects.filter(national_code=user.national_code).first()
    if practitioner is not None:
        if council_number and practitioner.council_number != council_number:
            raise Invalid(_("شماره نظام پزشکی با پرونده نظام پزشکی این شخص یکی نیست."),
                          code="council_number")
        if practitioner.user_id is None:
            practitioner.user = user
            practitioner.save(update_fields=["user", "updated_at"])
        return practitioner
    if not council_number:
        raise Invalid(_("شماره نظام پزشکی برای پزشک لازم است."), code="council_number")
    try:
        with transaction.atomic():
            return Practitioner.objects.create(
                council_number=council_number, national_code=user.national_code, user=user,
                full_name=full_name or user.full_name or user.national_code,
                specialty=specialty or Specialty.GP)
    except IntegrityError:
        raise Invalid(_("این شماره نظام پزشکی به نام شخص دیگری ثبت است."),
                      code="council_number") from None


def membership_grant(
    *,
    user: User,
    role: str,
    facility: Facility | None,
    council_number: str = "",
    specialty: str = "",
    notify: bool = True,
) -> Membership:
    """Give a person a role at a facility and tell them by SMS (seed 004). A doctor's
    membership shares the person's one licence record with every other site."""
    if role == Role.PATIENT:
        facility = None
    elif facility is None or facility.kind not in ROLE_FACILITY_KINDS[role]:
        raise Invalid(_("این نقش در این نوع مرکز تعریف نمی‌شود."), code="role_facility")
    with transaction.atomic():
        practitioner = (practitioner_for(user=user, council_number=council_number,
                                         specialty=specialty) if role == Role.DOCTOR else None)
        membership, created = Membership.objects.get_or_create(
            user=user, role=role, facility=facility, defaults={"practitioner": practitioner})
        if practitioner is not None and membership.practitioner_id != practitioner.pk:
            membership.practitioner = practitioner
            membership.save(update_fields=["practitioner"])
        if created and notify:
            membership_announce(membership)
    return membership


def membership_announce(membership: Membership) -> None:
    """Tell the person by SMS, once the grant is committed, that a role was given to them."""
    from accounts.tasks import membership_notice_send

    transaction.on_commit(lambda: membership_notice_send.delay(membership.pk))


def history_right_announce(membership: Membership) -> None:
    """Seed 004's first paragraph: the person is told by SMS that the right was given."""
    from accounts.tasks import history_right_notice_send

    transaction.on_commit(lambda: history_right_notice_send.delay(membership.pk), robust=True)


def history_right_notice(membership_id: int) -> None:
    membership = Membership.objects.select_related("user", "facility").filter(
        pk=membership_id, history_permission=True).first()
    if membership is None or not membership.user.mobile:
        return
    send_sms(to=membership.user.mobile, purpose="notice",
             text=("نسخه: اجازه مشاهده سوابق بیمه‌شدگان در {f} به شما داده شد. هر بار با کد "
                   "پیامکی باز می‌شود.").format(f=membership.facility.name if membership.facility
                                                 else ""))


def membership_notice(membership_id: int) -> None:
    membership = Membership.objects.select_related("user", "facility").filter(
        pk=membership_id).first()
    if membership is None:
        return
    where = f" در {membership.facility.name}" if membership.facility else ""
    text = f"نسخه: دسترسی «{membership.get_role_display()}»{where} برای شما فعال شد."
    send_sms(to=membership.user.mobile, text=text, purpose="notice")


# ---- doctors' signing keys (seed 003) ----

def doctor_keys_of(membership: Membership):
    return DoctorKey.objects.filter(membership=membership).order_by("-created_at")


def doctor_key_register(*, membership: Membership, public_key: object,
                        label: object = "") -> DoctorKey:
    """Register the public half of a key made in the doctor's browser for this site; a
    second active key for the same site is refused (revoke the old one first)."""
    if membership.role != Role.DOCTOR:
        raise Forbidden(_("فقط پزشک کلید امضا ثبت می‌کند."))
    key = signing.public_key_load(public_key)
    if not isinstance(label, str) or len(label) > 100:
        raise Invalid(_("برچسب حداکثر ۱۰۰ نویسه است."), errors={"label": [_("نامعتبر")]})
    fingerprint = signing.fingerprint(key)
    if DoctorKey.objects.filter(fingerprint=fingerprint).exists():
        raise Conflict(_("این کلید پیش‌تر ثبت شده است."), code="key_exists")
    try:
        with transaction.atomic():
            return DoctorKey.objects.create(membership=membership, label=label.strip(),
                                            public_key=signing.public_key_pem(key),
                                            fingerprint=fingerprint)
    except IntegrityError:
        raise Conflict(_("برای این محل کار کلید فعالی ثبت است؛ نخست آن را باطل کنید."),
                       code="active_key") from None


def doctor_key_revoke(*, membership: Membership, key_id: object) -> DoctorKey:
    pk = db_id(key_id)
    key = doctor_keys_of(membership).filter(pk=pk).first() if pk else None
    if key is None:
        raise NotFound(_("کلید پیدا نشد."))
    if key.revoked_at is None:
        DoctorKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        key.refresh_from_db()
    return key


def signature_check(*, membership: Membership, signature: object,
                    contents: list[object]) -> tuple[DoctorKey, bytes]:
    """The doctor's active key for this site and the canonical content its signature
    covers (the first of `contents` that verifies), or 422."""
    raw = signing.raw_signature_decode(signature)
    key = DoctorKey.objects.filter(membership=membership, revoked_at__isnull=True).first()
    if key is None:
        raise Unverifiable(_("برای این محل کار کلید امضای فعالی ثبت نشده است."),
                           code="signature_key")
    public = signing.public_key_load(key.public_key)
    for content in contents:
        data = signing.canonical(content)
        if signing.raw_signature_verify(public, raw, data):
            return key, data
    raise Unverifiable(_("امضای نسخه با کلید ثبت‌شده پزشک تطبیق نمی‌کند."))
