"""People, facilities, memberships, patients, one-time-code devices, API tokens, access log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice, ThrottlingMixin

from accounts.identity import (
    normalize_fida_code,
    normalize_mobile,
    normalize_national_code,
    unique_id_is_valid,
)


def validate_national_code(value: str) -> None:
    normalize_national_code(value)


def validate_mobile(value: str) -> None:
    normalize_mobile(value)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, national_code: str, password: str | None = None, **extra):
        user = self.model(national_code=normalize_national_code(national_code), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, national_code: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(national_code, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who can sign in; keyed by the national code. Signs in by SMS code only."""

    national_code = models.CharField(
        _("کد ملی"), max_length=10, unique=True, validators=[validate_national_code]
    )
    first_name = models.CharField(_("نام"), max_length=100, blank=True)
    last_name = models.CharField(_("نام خانوادگی"), max_length=100, blank=True)
    mobile = models.CharField(_("شماره همراه"), max_length=11, validators=[validate_mobile])
    is_active = models.BooleanField(_("فعال"), default=True)
    is_staff = models.BooleanField(_("دسترسی مدیریت"), default=False)
    date_joined = models.DateTimeField(_("تاریخ عضویت"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "national_code"
    REQUIRED_FIELDS = ["mobile"]

    class Meta:
        verbose_name = _("کاربر")
        verbose_name_plural = _("کاربران")

    def __str__(self) -> str:
        return self.full_name or self.national_code

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name


class Facility(models.Model):
    class Kind(models.TextChoices):
        OFFICE = "office", _("مطب")
        CLINIC = "clinic", _("درمانگاه")
        HOSPITAL = "hospital", _("بیمارستان")
        PHARMACY = "pharmacy", _("داروخانه")
        LAB = "lab", _("آزمایشگاه")
        IMAGING = "imaging", _("مرکز تصویربرداری")
        PHYSIO = "physio", _("مرکز فیزیوتراپی")
        INSURER = "insurer", _("سازمان بیمه‌گر")

    name = models.CharField(_("نام"), max_length=200)
    kind = models.CharField(_("نوع"), max_length=16, choices=Kind.choices)
    siam_id = models.CharField(_("شناسه سیام"), max_length=20, unique=True)
    city = models.CharField(_("شهر"), max_length=100, blank=True)
    address = models.CharField(_("نشانی"), max_length=300, blank=True)
    is_active = models.BooleanField(_("فعال"), default=True)

    class Meta:
        verbose_name = _("مرکز")
        verbose_name_plural = _("مراکز")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    DOCTOR = "doctor", _("پزشک")
    RECEPTION = "reception", _("منشی")
    PHARMACY = "pharmacy", _("داروخانه")
    LAB = "lab", _("آزمایشگاه")
    IMAGING = "imaging", _("تصویربرداری")
    PHYSIO = "physio", _("فیزیوتراپی")
    REVIEWER = "reviewer", _("کارشناس بیمه")
    PATIENT = "patient", _("بیمار")


# Which facility kinds each role may belong to; the patient role has no facility.
ROLE_FACILITY_KINDS: dict[str, set[str]] = {
    Role.DOCTOR: {Facility.Kind.OFFICE, Facility.Kind.CLINIC, Facility.Kind.HOSPITAL},
    Role.RECEPTION: {Facility.Kind.OFFICE, Facility.Kind.CLINIC, Facility.Kind.HOSPITAL},
    Role.PHARMACY: {Facility.Kind.PHARMACY},
    Role.LAB: {Facility.Kind.LAB, Facility.Kind.HOSPITAL},
    Role.IMAGING: {Facility.Kind.IMAGING, Facility.Kind.HOSPITAL},
    Role.PHYSIO: {Facility.Kind.PHYSIO, Facility.Kind.HOSPITAL},
    Role.REVIEWER: {Facility.Kind.INSURER},
    Role.PATIENT: set(),
}

# Fulfilment roles and the prescription kind each one serves.
FULFILMENT_KIND = {
    Role.PHARMACY: "drug",
    Role.LAB: "lab",
    Role.IMAGING: "imaging",
    Role.PHYSIO: "physio",
}


class Specialty(models.TextChoices):
    GP = "gp", _("پزشک عمومی")
    INTERNAL = "internal", _("داخلی")
    CARDIOLOGY = "cardiology", _("قلب و عروق")
    PEDIATRICS = "pediatrics", _("کودکان")
    GYNECOLOGY = "gynecology", _("زنان و زایمان")
    ORTHOPEDICS = "orthopedics", _("ارتوپدی")
    NEUROLOGY = "neurology", _("مغز و اعصاب")
    PSYCHIATRY = "psychiatry", _("روان‌پزشکی")
    DERMATOLOGY = "dermatology", _("پوست")
    UROLOGY = "urology", _("اورولوژی")
    INFECTIOUS = "infectious", _("عفونی")
    ENT = "ent", _("گوش، حلق و بینی")
    OPHTHALMOLOGY = "ophthalmology", _("چشم")
    SURGERY = "surgery", _("جراحی عمومی")


class Practitioner(models.Model):
    """A prescriber's licence as the medical council registers it (seed 002 §8-12 note 1):
    one record per person, shared by every practice site, so a suspension or an expiry stops
    prescribing everywhere at once."""

    class Licence(models.TextChoices):
        ACTIVE = "active", _("فعال")
        SUSPENDED = "suspended", _("تعلیق")
        REVOKED = "revoked", _("ابطال")

    council_number = models.CharField(_("شماره نظام پزشکی"), max_length=20, unique=True)
    national_code = models.CharField(_("کد ملی"), max_length=10, unique=True,
                                     validators=[validate_national_code])
    user = models.OneToOneField(User, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="practitioner", verbose_name=_("حساب کاربری"))
    full_name = models.CharField(_("نام و نام خانوادگی"), max_length=200)
    specialty = models.CharField(_("تخصص"), max_length=20, choices=Specialty.choices)
    licence_status = models.CharField(_("وضعیت پروانه"), max_length=10, choices=Licence.choices,
                                      default=Licence.ACTIVE)
    valid_until = models.DateField(_("اعتبار پروانه تا"), null=True, blank=True)
    updated_at = models.DateTimeField(_("آخرین به‌روزرسانی"), auto_now=True)

    class Meta:
        verbose_name = _("پروانه تجویزگر")
        verbose_name_plural = _("پروانه‌های تجویزگران")
        ordering = ["council_number"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.council_number})"

    def licence_problem(self, day: date) -> str | None:
        """Why this person may not prescribe on `day`, in Persian; None when licensed."""
        from accounts.jalali import jalali_date

        if self.licence_status == self.Licence.SUSPENDED:
            return str(_("پروانه طبابت شما تعلیق شده است و نمی‌توانید نسخه بنویسید."))
        if self.licence_status == self.Licence.REVOKED:
            return str(_("پروانه طبابت شما ابطال شده است و نمی‌توانید نسخه بنویسید."))
        if self.valid_until is not None and self.valid_until < day:
            return str(_("اعتبار پروانه طبابت شما در {d} به پایان رسیده است.")).format(
                d=jalali_date(self.valid_until))
        return None


class Membership(models.Model):
    """A role a person holds at a facility; a person picks one after signing in."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("کاربر")
    )
    role = models.CharField(_("نقش"), max_length=16, choices=Role.choices)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("مرکز"),
    )
    # A doctor's licence lives on the person's one Practitioner record, not per site.
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, null=True, blank=True,
        related_name="memberships", verbose_name=_("پروانه تجویزگر"),
    )
    # Seed 004: insurer staff read a covered person's history only with this right, granted
    # in the admin (the grant is SMSed to them), and then only under a live unlock.
    history_permission = models.BooleanField(
        _("اجازه مشاهده سوابق بیمه‌شدگان"), default=False,
        help_text=_("فقط برای کارشناس بیمه؛ هر بار با کد پیامکی به همراه خود کارشناس باز می‌شود."))
    is_active = models.BooleanField(_("فعال"), default=True)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)

    class Meta:
        verbose_name = _("عضویت")
        verbose_name_plural = _("عضویت‌ها")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "facility"], name="membership_unique_role_at_facility"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role="patient"),
                name="membership_one_patient_role",
            ),
            models.CheckConstraint(
                condition=Q(role="patient", facility__isnull=True)
                | (~Q(role="patient") & Q(facility__isnull=False)),
                name="membership_facility_matches_role",
            ),
            models.CheckConstraint(
                condition=~Q(role="doctor") | Q(practitioner__isnull=False),
                name="membership_doctor_has_practitioner",
            ),
        ]

    def __str__(self) -> str:
        where = f" @ {self.facility}" if self.facility_id else ""
        return f"{self.user} — {self.get_role_display()}{where}"

    @property
    def is_fulfilment(self) -> bool:
        return self.role in FULFILMENT_KIND

    @property
    def kind_served(self) -> str | None:
        """The prescription kind a fulfilment membership dispenses or performs."""
        return FULFILMENT_KIND.get(self.role)

    @property
    def specialty(self) -> str:
        return self.practitioner.specialty if self.practitioner_id else ""

    @property
    def council_number(self) -> str:
        return self.practitioner.council_number if self.practitioner_id else ""

    def get_specialty_display(self) -> str:
        return self.practitioner.get_specialty_display() if self.practitioner_id else ""

    def prescribing_problem(self, day: date) -> str | None:
        """Why this membership may not prescribe on `day` (Persian), or None."""
        if self.role != Role.DOCTOR or not self.is_active or not self.practitioner_id:
            return str(_("فقط پزشک دارای پروانه می‌تواند نسخه بنویسد."))
        return self.practitioner.licence_problem(day)

    @property
    def can_prescribe(self) -> bool:
        return self.prescribing_problem(timezone.localdate()) is None


def validate_fida_code(value: str) -> None:
    normalize_fida_code(value)


def validate_unique_id(value: str) -> None:
    if not unique_id_is_valid(value):
        raise ValidationError(_("شناسه یکتا معتبر نیست."), code="unique_id")


class Patient(models.Model):
    """The clinical record of a person, identified as seed 002 §7-1 says: a national code, a
    FIDA code (foreign nationals), or a unique id this site issues (people without a usable
    code, and newborns before registration, who are linked to the mother)."""

    class Sex(models.TextChoices):
        MALE = "M", _("مرد")
        FEMALE = "F", _("زن")

    national_code = models.CharField(
        _("کد ملی"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_national_code],
    )
    fida_code = models.CharField(_("کد فیدا"), max_length=12, unique=True, null=True, blank=True,
                                 validators=[validate_fida_code])
    unique_id = models.CharField(_("شناسه یکتا"), max_length=13, unique=True, null=True,
                                 blank=True, validators=[validate_unique_id])
    # A person without any usable code (§7-1 note 1): the unique id implies no cover.
    unidentified = models.BooleanField(_("مجهول‌الهویه"), default=False)
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patient",
        verbose_name=_("حساب کاربری"),
    )
    first_name = models.CharField(_("نام"), max_length=100)
    last_name = models.CharField(_("نام خانوادگی"), max_length=100)
    birth_date = models.DateField(_("تاریخ تولد"))
    sex = models.CharField(_("جنس"), max_length=1, choices=Sex.choices)
    mobile = models.CharField(
        _("شماره همراه"), max_length=11, blank=True, validators=[validate_mobile]
    )
    mother = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="newborns",
        verbose_name=_("مادر"),
    )
    created_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)

    class Meta:
        verbose_name = _("بیمار")
        verbose_name_plural = _("بیماران")
        constraints = [
            models.CheckConstraint(
                condition=Q(national_code__isnull=False) | Q(fida_code__isnull=False)
                | Q(unique_id__isnull=False),
                name="patient_has_an_identifier",
            ),
            models.CheckConstraint(
                condition=Q(unidentified=False) | (Q(national_code__isnull=True)
                                                   & Q(fida_code__isnull=True)),
                name="patient_unidentified_has_no_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.identifier_value})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_newborn(self) -> bool:
        """Born and linked to the mother, not yet registered with a code of its own."""
        return bool(self.mother_id) and not self.national_code and not self.fida_code

    @property
    def identifier_value(self) -> str:
        return self.national_code or self.fida_code or self.unique_id or ""

    @property
    def identifier_label(self) -> str:
        if self.national_code:
            return str(_("کد ملی"))
        if self.fida_code:
            return str(_("کد فیدا"))
        return str(_("شناسه یکتا"))

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return max(years, 0)

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class BlockedNationalCode(models.Model):
    """A national code the civil registry has blocked (§7-1 note 1): refused everywhere; the
    person is served under a unique id instead."""

    code = models.CharField(_("کد ملی"), max_length=10, unique=True,
                            validators=[validate_national_code])
    reason = models.CharField(_("علت"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)

    class Meta:
        verbose_name = _("کد ملی مسدود")
        verbose_name_plural = _("کدهای ملی مسدود")

    def __str__(self) -> str:
        return self.code


def _code_digest(device_key: str, code: str) -> str:
    """Codes are kept only as a keyed hash: a database dump reveals no live code."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{device_key}:{code}".encode(), hashlib.sha256).hexdigest()


class SMSDevice(ThrottlingMixin, SideChannelDevice):
    """A django-otp side-channel device: a 6-digit code sent by SMS, one per purpose.

    The inherited `token` holds an HMAC of the code, never the code itself.
    """

    class Purpose(models.TextChoices):
        LOGIN = "login", _("ورود")
        CONSENT = "consent", _("رضایت مشاهده سوابق")
        SIGN = "sign", _("امضا")
        HISTORY = "history", _("باز کردن سوابق (کارشناس بیمه)")

    token = models.CharField(max_length=64, blank=True, null=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    # Who the code is for beyond the person: for consent, the requesting membership.
    context = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("دستگاه کد یک‌بارمصرف")
        verbose_name_plural = _("دستگاه‌های کد یک‌بارمصرف")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose", "context"], name="smsdevice_one_per_purpose"
            )
        ]

    def get_throttle_factor(self) -> int:
        return settings.OTP_SMS_THROTTLE_FACTOR

    def issue_code(self, *, ttl_seconds: int) -> str:
        """Start a new code: store its digest, reset failures, return the plain code."""
        code = f"{secrets.randbelow(10**6):06d}"
        self.token = _code_digest(f"{self.pk}:{self.purpose}", code)
        self.valid_until = timezone.now() + timedelta(seconds=ttl_seconds)
        self.throttling_failure_count = 0
        self.throttling_failure_timestamp = None
        self.save()
        return code

    @property
    def is_dead(self) -> bool:
        return self.throttling_failure_count >= settings.OTP_MAX_ATTEMPTS

    def verify_token(self, token: str) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed or self.is_dead or not self.token:
            return False
        digest = _code_digest(f"{self.pk}:{self.purpose}", str(token))
        if timezone.now() < self.valid_until and hmac.compare_digest(digest, self.token):
            self.token = None
            self.valid_until = timezone.now()
            self.throttle_reset(commit=False)
            self.save()
            return True
        self.throttle_increment(commit=False)
        if self.is_dead:
            self.token = None
        self.save()
        return False


def _token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DoctorKey(models.Model):
    """A doctor's public signing key for one practice site (seed 003: one certificate per
    site). The private key never leaves the doctor's browser; revoking a key keeps the
    signatures it made valid."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="keys",
                                   verbose_name=_("عضویت"))
    public_key = models.TextField(_("کلید عمومی (PEM)"))
    fingerprint = models.CharField(_("اثر انگشت کلید"), max_length=64, unique=True)
    label = models.CharField(_("برچسب"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)
    revoked_at = models.DateTimeField(_("زمان ابطال"), null=True, blank=True)

    class Meta:
        verbose_name = _("کلید امضای پزشک")
        verbose_name_plural = _("کلیدهای امضای پزشکان")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["membership"], condition=Q(revoked_at__isnull=True),
                                    name="doctor_key_one_active_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.fingerprint[:12]} ({self.membership})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """One token per API sign-in, carrying its active membership. Only a digest is kept."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("توکن API")
        verbose_name_plural = _("توکن‌های API")

    def __str__(self) -> str:
        return f"token #{self.pk} of {self.user_id}"

    @staticmethod
    def digest_of(key: str) -> str:
        return _token_digest(key)

    @classmethod
    def issue(cls, *, user: User, membership: Membership | None) -> tuple[ApiToken, str]:
        key = secrets.token_hex(24)
        token = cls.objects.create(
            digest=_token_digest(key),
            user=user,
            membership=membership,
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        return token, key


class AccessLog(models.Model):
    """Every read of patient data and every sign-in event. Never holds a code."""

    class Action(models.TextChoices):
        LOGIN_OK = "login.success", _("ورود موفق")
        LOGIN_FAILED = "login.failure", _("ورود ناموفق")
        LOGOUT = "logout", _("خروج")
        PATIENT_READ = "patient.read", _("مشاهده پرونده بیمار")
        PRESCRIPTION_READ = "prescription.read", _("مشاهده نسخه")
        PRESCRIPTION_LIST = "prescription.list", _("جستجوی نسخه‌ها")
        HISTORY_READ = "history.read", _("مشاهده سوابق درمانی")
        HISTORY_UNLOCK = "history.unlock", _("باز کردن سوابق با کد")
        CONSENT_REQUEST = "consent.request", _("درخواست رضایت")
        CONSENT_GRANT = "consent.grant", _("ثبت رضایت")
        PAPER_COPY = "prescription.paper", _("چاپ نسخه کاغذی")
        RESULT_READ = "result.read", _("مشاهده نتیجه")
        # Clinical rules read the patient's current medicines without consent (a safety
        # check, seed 002 §8-7); the read is logged as such.
        SAFETY_CHECK = "safety.check", _("بررسی ایمنی داروهای فعلی")
        MEDICATIONS_READ = "medications.read", _("مشاهده داروهای فعلی بیمار")
        ADMIN_READ = "admin.read", _("مشاهده در پنل مدیریت")

    at = models.DateTimeField(_("زمان"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("کاربر"),
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("عضویت"),
    )
    patient = models.ForeignKey(  # leads accesslog_patient_at (Meta)
        Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="access_log",
        verbose_name=_("بیمار"), db_index=False,
    )
    national_code = models.CharField(_("شناسه بیمار"), max_length=16, blank=True)
    action = models.CharField(_("رویداد"), max_length=32, choices=Action.choices)
    target = models.CharField(_("موضوع"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("نشانی IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("رویداد دسترسی")
        verbose_name_plural = _("گزارش دسترسی")
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "-at"], name="accesslog_patient_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.target}"


class HistoryUnlock(models.Model):
    """A reviewer's live unlock of insured people's histories (seed 004): opened with a code
    sent to their own mobile, it lapses HISTORY_UNLOCK_MINUTES after the last read."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()

    class Meta:
        verbose_name = _("باز شدن سوابق")
        verbose_name_plural = _("باز شدن‌های سوابق")
        indexes = [models.Index(fields=["membership", "valid_until"], name="history_unlock")]

    def __str__(self) -> str:
        return f"{self.membership_id} until {self.valid_until:%H:%M}"


class IdempotentRequest(models.Model):
    """A write sent with an `Idempotency-Key`: the caller's key, a digest of what was sent,
    and the answer given (a refusal too), kept 24 hours so a retry gets the same answer and
    the same key with another body is refused. Written in the write's own transaction: a
    crash keeps neither, so a retry runs again."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE,
                                   related_name="idempotent_requests")
    key = models.CharField(_("کلید یکتایی"), max_length=255)
    fingerprint = models.CharField(_("چکیده درخواست"), max_length=64)
    nonce = models.CharField(max_length=32)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    headers = models.JSONField(default=dict)  # the answer's ETag, Location
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("درخواست یکتا")
        verbose_name_plural = _("درخواست‌های یکتا")
        constraints = [models.UniqueConstraint(fields=["membership", "key"],
                                               name="idempotency_key_once_per_caller")]

    def __str__(self) -> str:
        return f"{self.membership_id}:{self.key}"
