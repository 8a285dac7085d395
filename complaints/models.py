"""Patients' complaints (seed 001: filed and followed up) about a prescription, a facility
or a charge, with the staff's answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Complaint(models.Model):
    class Subject(models.TextChoices):
        PRESCRIPTION = "prescription", _("نسخه")
        FACILITY = "facility", _("مرکز درمانی یا داروخانه")
        CHARGE = "charge", _("مبلغ دریافتی")
        OTHER = "other", _("سایر")

    class Status(models.TextChoices):
        OPEN = "open", _("در انتظار رسیدگی")
        ANSWERED = "answered", _("پاسخ داده شد")
        CLOSED = "closed", _("بسته شد")

    patient = models.ForeignKey("accounts.Patient", on_delete=models.PROTECT,
                                related_name="complaints", verbose_name=_("بیمار"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("ثبت‌کننده"))
    subject = models.CharField(_("موضوع"), max_length=16, choices=Subject.choices)
    prescription = models.ForeignKey("prescriptions.Prescription", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="complaints",
                                     verbose_name=_("نسخه"))
    facility = models.ForeignKey("accounts.Facility", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="complaints", verbose_name=_("مرکز"))
    text = models.TextField(_("شرح"), max_length=2000)
    status = models.CharField(_("وضعیت"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    created_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)
    updated_at = models.DateTimeField(_("آخرین تغییر"), default=timezone.now)

    class Meta:
        verbose_name = _("شکایت")
        verbose_name_plural = _("شکایت‌ها")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["filed_by", "-created_at"], name="complaint_filer"),
                   models.Index(fields=["status", "-created_at"], name="complaint_status")]
        constraints = [
            models.CheckConstraint(condition=~Q(subject="prescription")
                                   | Q(prescription__isnull=False),
                                   name="complaint_prescription_named"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_subject_display()}"


class Reply(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("نویسنده"))
    from_staff = models.BooleanField(_("پاسخ کارشناس"), default=False)
    text = models.TextField(_("متن"), max_length=2000)
    created_at = models.DateTimeField(_("زمان"), default=timezone.now)

    class Meta:
        verbose_name = _("پاسخ")
        verbose_name_plural = _("پاسخ‌ها")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.text[:30]}"
