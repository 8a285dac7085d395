"""Insurers, schemes and coverage periods (data, not code); claim lines and invoices later."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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
    insurer = models.ForeignKey(
        Insurer, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("بیمه‌گر")
    )
    code = models.CharField(_("کد"), max_length=32, unique=True)
    name = models.CharField(_("نام"), max_length=200)
    patient_share_percent = models.PositiveSmallIntegerField(
        _("سهم بیمار (درصد)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("فعال"), default=True)

    class Meta:
        verbose_name = _("صندوق بیمه")
        verbose_name_plural = _("صندوق‌های بیمه")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient_share_percent__gte=0, patient_share_percent__lte=100),
                name="scheme_share_is_percent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


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


class ClaimLine(models.Model):
    """What an insurer owes a facility for one dispensed line, performed service or visit."""

    class Status(models.TextChoices):
        UNSENT = "unsent", _("ارسال نشده")
        SENT = "sent", _("ارسال شده")
        FAILED = "failed", _("ارسال ناموفق")
        ACCEPTED = "accepted", _("پذیرفته")

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="claim_lines",
                                 verbose_name=_("مرکز"))
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="claim_lines",
                               verbose_name=_("صندوق"))
    visit = models.ForeignKey("prescriptions.Visit", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("ویزیت"))
    prescription = models.ForeignKey("prescriptions.Prescription", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("نسخه"))
    item = models.ForeignKey("prescriptions.PrescriptionItem", on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+", verbose_name=_("قلم نسخه"))
    source = models.CharField(_("منبع"), max_length=40, blank=True,
                              help_text=_("شناسه رویدادی که این سند را ساخت (یکتا)"))
    code = models.CharField(_("کد خدمت"), max_length=32)
    quantity = models.PositiveIntegerField(_("تعداد"))
    unit_price = models.PositiveBigIntegerField(_("قیمت واحد"))
    total = models.PositiveBigIntegerField(_("جمع"))
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه"))
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار"))
    service_date = models.DateField(_("تاریخ خدمت"))
    # The HID of the encounter that served it: the visit's, or the dispense's own (§9-2-6).
    hid = models.CharField(_("شناسه شباد"), max_length=20, blank=True)
    status = models.CharField(_("وضعیت"), max_length=10, choices=Status.choices,
                              default=Status.UNSENT)
    created_at = models.DateTimeField(_("زمان ثبت"), auto_now_add=True)

    class Meta:
        verbose_name = _("سند ارائه خدمت")
        verbose_name_plural = _("اسناد ارائه خدمت")
        indexes = [models.Index(fields=["facility", "service_date"], name="claim_facility_date"),
                   models.Index(fields=["scheme", "status"], name="claim_scheme_status")]
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=~Q(source=""),
                                    name="claim_line_source_once"),
            models.CheckConstraint(condition=Q(insurer_share__lte=models.F("total")),
                                   name="claim_shares_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity} ({self.service_date})"
