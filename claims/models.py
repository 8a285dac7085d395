"""Insurers, schemes and coverage periods (data, not code); claim lines and invoices later."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, Patient


class Insurer(models.Model):
    code = models.CharField(_("کد"), max_length=16, unique=True)
    name = models.CharField(_("نام"), max_length=200)
    facility = models.OneToOneField(
        Facility,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="insurer",
        limit_choices_to={"kind": Facility.Kind.INSURER},
        verbose_name=_("مرکز (برای کارشناسان)"),
    )

    class Meta:
        verbose_name = _("بیمه‌گر")
        verbose_name_plural = _("بیمه‌گران")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Scheme(models.Model):
    """A fund of an insurer (صندوق). Basic schemes leave the patient a share; a
    supplementary scheme pays a percentage of that share (seed 002 §9 note)."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("پایه")
        SUPPLEMENTARY = "supplementary", _("تکمیلی")

    insurer = models.ForeignKey(
        Insurer, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("بیمه‌گر")
    )
    code = models.CharField(_("کد"), max_length=32, unique=True)
    # The insurer's own numeric code of the fund, shown on the claims screen (seed 000: «04»).
    number = models.CharField(_("کد عددی صندوق"), max_length=4, blank=True)
    name = models.CharField(_("نام"), max_length=200)
    kind = models.CharField(_("نوع"), max_length=16, choices=Kind.choices, default=Kind.BASIC)
    patient_share_percent = models.PositiveSmallIntegerField(
        _("سهم بیمار (درصد)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    supplementary_percent = models.PositiveSmallIntegerField(
        _("سهم تکمیلی از سهم بیمار (درصد)"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    # seed 002 §2's levels: a specialist visit is covered only on a GP's referral
    needs_referral = models.BooleanField(
        _("ارجاع برای متخصص لازم است"), default=False,
        help_text=_("ویزیت متخصص فقط با ارجاع باز از پزشک عمومی تحت پوشش است."))
    is_active = models.BooleanField(_("فعال"), default=True)

    class Meta:
        verbose_name = _("صندوق بیمه")
        verbose_name_plural = _("صندوق‌های بیمه")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient_share_percent__gte=0, patient_share_percent__lte=100),
                name="scheme_share_is_percent",
            ),
            models.CheckConstraint(
                condition=Q(kind="basic") | Q(supplementary_percent__isnull=False,
                                              supplementary_percent__lte=100),
                name="scheme_supplementary_has_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_supplementary(self) -> bool:
        return self.kind == self.Kind.SUPPLEMENTARY

    @property
    def label(self) -> str:
        """«۰۴ کارکنان دولت ۳۰٪», as the claims screen lists funds."""
        from accounts.jalali import fa_digits

        percent = (self.supplementary_percent if self.is_supplementary
                   else self.patient_share_percent)
        return " ".join(part for part in (fa_digits(self.number), self.name,
                                          f"{fa_digits(percent)}٪") if part)


class Coverage(models.Model):
    """A patient insured by a scheme over a period; open-ended when valid_to is empty."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="coverages", verbose_name=_("بیمار")
    )
    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, related_name="coverages", verbose_name=_("صندوق")
    )
    insurance_number = models.CharField(_("شماره بیمه"), max_length=32, blank=True)
    valid_from = models.DateField(_("از تاریخ"))
    valid_to = models.DateField(_("تا تاریخ"), null=True, blank=True)

    class Meta:
        verbose_name = _("پوشش بیمه")
        verbose_name_plural = _("پوشش‌های بیمه")
        indexes = [models.Index(fields=["patient", "valid_from"], name="coverage_patient_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="coverage_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} — {self.scheme.code}"


class Claim(models.Model):
    """One facility's claim on one insurer for one service event (a dispense, a performed
    paraclinic service, a completed visit with its in-office services). A patient with a
    supplementary cover gives the event a second claim, on the supplementary insurer.

    unsent → (add-unsent) queued → sent → accepted | rejected | failed (resend: queued)
    """

    class Status(models.TextChoices):
        UNSENT = "unsent", _("ارسال نشده")
        QUEUED = "queued", _("در صف ارسال")
        SENT = "sent", _("ارسال شده")
        ACCEPTED = "accepted", _("پذیرفته")
        REJECTED = "rejected", _("رد شده")
        FAILED = "failed", _("ارسال ناموفق")

    # facility and scheme lead the claim indexes of Meta: none of their own to write
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="claims",
                                 verbose_name=_("مرکز"), db_index=False)
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="claims",
                               verbose_name=_("صندوق"), db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="claims",
                                verbose_name=_("بیمار"))
    # The service event and insurer this claim is for: each is claimed once.
    source = models.CharField(_("منبع"), max_length=60)  # unique: Meta
    tracking_code = models.CharField(_("کد رهگیری نسخه"), max_length=16, blank=True)
    hid = models.CharField(_("شناسه شباد"), max_length=20, blank=True)
    service_date = models.DateField(_("تاریخ خدمت"))
    registered_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)
    prescription = models.ForeignKey("prescriptions.Prescription", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("نسخه"))
    visit = models.ForeignKey("prescriptions.Visit", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("ویزیت"))
    dispense = models.ForeignKey("pharmacy.Dispense", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+", verbose_name=_("ارائه"))
    prescriber_specialty = models.CharField(_("تخصص تجویزگر"), max_length=20, blank=True)
    # How the patient paid their part at the counter (§7-8, §7-9).
    payment_method = models.CharField(_("روش پرداخت بیمار"), max_length=8, blank=True)
    payment_terminal = models.CharField(_("شناسه پایانه"), max_length=32, blank=True)
    payment_reference = models.CharField(_("شماره پیگیری پرداخت"), max_length=64, blank=True)
    # Served from the paper copy during an outage and synced afterwards (seed 002 §12).
    paper = models.BooleanField(_("از نسخه کاغذی"), default=False)
    total = models.PositiveBigIntegerField(_("جمع"), default=0)
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه پایه"), default=0)
    supplementary_share = models.PositiveBigIntegerField(_("سهم بیمه تکمیلی"), default=0)
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار"), default=0)
    # What this claim asks its insurer for: the basic or the supplementary share.
    amount = models.PositiveBigIntegerField(_("مبلغ درخواستی"), default=0)
    status = models.CharField(_("وضعیت"), max_length=10, choices=Status.choices,
                              default=Status.UNSENT)
    reason = models.CharField(_("علت"), max_length=300, blank=True)
    reason_code = models.CharField(_("کد علت"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("دفعات ارسال"), default=0)
    sent_at = models.DateTimeField(_("زمان ارسال"), null=True, blank=True)
    decided_at = models.DateTimeField(_("زمان پاسخ"), null=True, blank=True)
    job = models.ForeignKey("claims.Job", on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="claims", verbose_name=_("کار ارسال"))
    # Set when its invoice leaves draft: from then on the invoice's claims are fixed.
    invoice = models.ForeignKey("claims.Invoice", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="claims", verbose_name=_("صورت‌حساب"))

    class Meta:
        verbose_name = _("سند ارائه خدمت")
        verbose_name_plural = _("اسناد ارائه خدمت")
        ordering = ["-service_date", "-id"]
        indexes = [
            models.Index(fields=["facility", "service_date"], name="claim_facility_date"),
            models.Index(fields=["facility", "status", "service_date"],
                         name="claim_facility_status"),
            models.Index(fields=["scheme", "status", "service_date"], name="claim_scheme_status"),
        ]
        constraints = [
            # a constraint, not unique=True: no LIKE index written beside it
            models.UniqueConstraint(fields=["source"], name="claim_source_once"),
            models.CheckConstraint(
                condition=Q(total=models.F("insurer_share") + models.F("supplementary_share")
                            + models.F("patient_share")),
                name="claim_shares_add_up"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code or self.hid} ({self.scheme.code})"


class ClaimLine(models.Model):
    """One line of a claim: a dispensed pack, a performed service, a visit."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("سند"))
    item = models.ForeignKey("prescriptions.PrescriptionItem", on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+", verbose_name=_("قلم نسخه"))
    source = models.CharField(_("منبع"), max_length=60, blank=True,
                              help_text=_("شناسه رویدادی که این سطر را ساخت (یکتا)"))
    code = models.CharField(_("کد خدمت"), max_length=32)
    quantity = models.PositiveIntegerField(_("تعداد"))
    unit_price = models.PositiveBigIntegerField(_("قیمت واحد"))
    total = models.PositiveBigIntegerField(_("جمع"))
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه"))
    supplementary_share = models.PositiveBigIntegerField(_("سهم بیمه تکمیلی"), default=0)
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار"))
    amount = models.PositiveBigIntegerField(_("مبلغ درخواستی"), default=0)
    uid = models.CharField(_("کد اصالت"), max_length=16, blank=True)
    # Whether the item was pack-tracked (TTAC) when it was given: its line needs a code.
    tracked = models.BooleanField(_("دارای کد اصالت"), default=False)
    # the insurer's tariff per unit the shares were computed on (seed 002 §8-6), if any
    tariff = models.PositiveBigIntegerField(_("تعرفه بیمه"), null=True, blank=True)

    class Meta:
        verbose_name = _("سطر سند")
        verbose_name_plural = _("سطرهای اسناد")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=~Q(source=""),
                                    name="claim_line_source_once"),
            models.CheckConstraint(
                condition=Q(total=models.F("insurer_share") + models.F("supplementary_share")
                            + models.F("patient_share")),
                name="claim_line_shares_add_up"),
            models.CheckConstraint(condition=Q(amount__lte=models.F("total")),
                                   name="claim_line_amount_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"


class Connection(models.Model):
    """A facility's credentials at one insurer (seed 000, step 2): user name, password
    (encrypted at rest, never shown back), terminal number, technical officer."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE,
                                 related_name="insurer_connections", verbose_name=_("مرکز"))
    insurer = models.ForeignKey(Insurer, on_delete=models.PROTECT, related_name="connections",
                                verbose_name=_("بیمه‌گر"))
    username = models.CharField(_("نام کاربری"), max_length=100)
    password_encrypted = models.TextField(_("رمز (رمزنگاری‌شده)"), editable=False)
    terminal = models.CharField(_("شماره ترمینال"), max_length=32)
    technical_officer = models.CharField(_("شماره نظام پزشکی مسئول فنی"), max_length=20,
                                         blank=True)
    checked_at = models.DateTimeField(_("آخرین بررسی اتصال"), null=True, blank=True)
    check_ok = models.BooleanField(_("اتصال برقرار"), null=True)
    check_message = models.CharField(_("پاسخ بیمه‌گر"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("آخرین تغییر"), auto_now=True)

    class Meta:
        verbose_name = _("تنظیمات اتصال به بیمه‌گر")
        verbose_name_plural = _("تنظیمات اتصال به بیمه‌گران")
        constraints = [models.UniqueConstraint(fields=["facility", "insurer"],
                                               name="connection_once_per_insurer")]

    def __str__(self) -> str:
        return f"{self.facility} → {self.insurer}"

    def set_password(self, raw: str) -> None:
        from claims.credentials import encrypt

        self.password_encrypted = encrypt(raw)

    def password(self) -> str:
        from claims.credentials import decrypt

        return decrypt(self.password_encrypted)


class Job(models.Model):
    """A background run (sending claims) with its progress, read by the page from jobs/{id}.
    Its claims carry the job; progress is counted from them, so a crash corrupts nothing."""

    class Kind(models.TextChoices):
        SEND = "send", _("ارسال")
        RESEND = "resend", _("ارسال مجدد ناموفق‌ها")

    class Status(models.TextChoices):
        QUEUED = "queued", _("در صف")
        RUNNING = "running", _("در حال اجرا")
        DONE = "done", _("پایان یافته")
        FAILED = "failed", _("ناموفق")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("مرکز"))
    started_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("آغازگر"))
    kind = models.CharField(_("نوع"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("وضعیت"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    # What it covers, and a key for it: one run at a time per facility, range and funds.
    date_from = models.DateField(_("از تاریخ"))
    date_to = models.DateField(_("تا تاریخ"))
    schemes = models.JSONField(_("صندوق‌ها"), default=list)
    scope = models.CharField(max_length=300)
    total = models.PositiveIntegerField(_("تعداد"), default=0)
    detail = models.CharField(_("شرح"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)
    finished_at = models.DateTimeField(_("زمان پایان"), null=True, blank=True)

    class Meta:
        verbose_name = _("کار پس‌زمینه")
        verbose_name_plural = _("کارهای پس‌زمینه")
        constraints = [models.UniqueConstraint(
            fields=["scope"], condition=Q(status__in=["queued", "running"]),
            name="job_one_run_per_scope")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Invoice(models.Model):
    """A facility's periodic invoice to one fund for one Jalali month (§8-4, §9-1-8): the
    accepted claims whose service date falls in the month. While a draft it follows its
    claims; once submitted its claims are fixed and only deductions change what is paid.

    draft → submitted (facility) → under_review → approved → paid (reviewer)
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("پیش‌نویس")
        SUBMITTED = "submitted", _("ارسال‌شده به بیمه")
        UNDER_REVIEW = "under_review", _("در حال رسیدگی")
        APPROVED = "approved", _("تأییدشده")
        PAID = "paid", _("پرداخت‌شده")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("مرکز"))
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="invoices",
                               verbose_name=_("صندوق"))
    period = models.CharField(_("دوره (ماه شمسی)"), max_length=7)
    status = models.CharField(_("وضعیت"), max_length=14, choices=Status.choices,
                              default=Status.DRAFT)
    claims_count = models.PositiveIntegerField(_("تعداد اسناد"), default=0)
    claimed = models.PositiveBigIntegerField(_("مبلغ درخواستی"), default=0)
    deductions = models.PositiveBigIntegerField(_("کسورات"), default=0)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)
    updated_at = models.DateTimeField(_("آخرین تغییر"), default=timezone.now)

    class Meta:
        verbose_name = _("صورت‌حساب")
        verbose_name_plural = _("صورت‌حساب‌ها")
        ordering = ["-period", "facility_id", "scheme_id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "scheme", "period"],
                                    name="invoice_once_per_month"),
            models.CheckConstraint(condition=Q(deductions__lte=models.F("claimed")),
                                   name="invoice_deductions_within_claimed"),
        ]
        indexes = [models.Index(fields=["scheme", "period", "status"],
                                name="invoice_scheme_period")]

    def __str__(self) -> str:
        from accounts.jalali import fa_digits

        return f"{self.facility} — {self.scheme.name} — {fa_digits(self.period)}"

    @property
    def payable(self) -> int:
        return self.claimed - self.deductions


class Deduction(models.Model):
    """A reviewer's deduction (کسورات/تعدیلات) on one claim line, with its reason."""

    class Reason(models.TextChoices):
        PRICE_ABOVE_TARIFF = "price_above_tariff", _("قیمت بیش از تعرفه")
        QUANTITY_OVER_CEILING = "quantity_over_ceiling", _("تعداد بیش از سقف")
        SPECIALTY_NOT_ALLOWED = "specialty_not_allowed", _("تخصص تجویزگر مجاز نیست")
        OUTSIDE_VALIDITY = "outside_validity", _("خارج از تاریخ اعتبار")
        MISSING_PACK_CODE = "missing_pack_code", _("کد اصالت ثبت نشده")
        DUPLICATE = "duplicate", _("تکراری")
        OTHER = "other", _("سایر")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="deduction_set",
                                verbose_name=_("صورت‌حساب"))
    claim_line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT,
                                   related_name="deductions", verbose_name=_("سطر سند"))
    amount = models.PositiveBigIntegerField(_("مبلغ (ریال)"))
    reason = models.CharField(_("علت"), max_length=24, choices=Reason.choices)
    note = models.CharField(_("توضیح"), max_length=500, blank=True)
    by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("کارشناس"))
    at = models.DateTimeField(_("زمان"), default=timezone.now)

    class Meta:
        verbose_name = _("کسر")
        verbose_name_plural = _("کسورات")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="deduction_positive")]

    def __str__(self) -> str:
        return f"{self.claim_line_id}: {self.amount}"


class InvoiceEvent(models.Model):
    """Every change of an invoice, for the insurer's auditors: who, when, before and after."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("صورت‌حساب"))
    actor = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("انجام‌دهنده"))
    action = models.CharField(_("رویداد"), max_length=40)
    before = models.JSONField(_("پیش از"), default=dict)
    after = models.JSONField(_("پس از"), default=dict)
    at = models.DateTimeField(_("زمان"), default=timezone.now)

    class Meta:
        verbose_name = _("رویداد صورت‌حساب")
        verbose_name_plural = _("رویدادهای صورت‌حساب")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.action}"
