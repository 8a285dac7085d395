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
