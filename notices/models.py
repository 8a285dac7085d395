"""Notices to patients: one SMS per event of their prescriptions (seed 001), written in the
event's own transaction (so none is lost) under a unique key (so none is sent twice)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Patient


class Notice(models.Model):
    class Event(models.TextChoices):
        REGISTERED = "registered", _("ثبت نسخه")
        EDITED = "edited", _("ویرایش نسخه")
        CANCELLED = "cancelled", _("ابطال نسخه")
        DISPENSED = "dispensed", _("ارائه کامل")
        PARTLY_DISPENSED = "partly_dispensed", _("ارائه بخشی")
        RESULT = "result", _("ثبت جواب")

    class Status(models.TextChoices):
        PENDING = "pending", _("در صف")
        SENDING = "sending", _("در حال ارسال")
        SENT = "sent", _("ارسال شد")
        SKIPPED = "skipped", _("ارسال نشد (خاموش یا بی‌شماره)")
        FAILED = "failed", _("ناموفق")

    key = models.CharField(_("شناسه رویداد"), max_length=80)  # unique: Meta
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="notices",
                                verbose_name=_("بیمار"))
    event = models.CharField(_("رویداد"), max_length=20, choices=Event.choices)
    text = models.CharField(_("متن"), max_length=320)
    status = models.CharField(_("وضعیت"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    to = models.CharField(_("گیرنده"), max_length=11, blank=True)
    attempts = models.PositiveSmallIntegerField(_("تلاش‌ها"), default=0)
    created_at = models.DateTimeField(_("زمان رویداد"), default=timezone.now)
    sent_at = models.DateTimeField(_("زمان ارسال"), null=True, blank=True)
    # when it is next due: sent when pending, failed for review when still sending
    due_at = models.DateTimeField(_("نوبت"), default=timezone.now)

    class Meta:
        verbose_name = _("پیامک بیمار")
        verbose_name_plural = _("پیامک‌های بیماران")
        ordering = ["-created_at"]
        # only what is still to be done: sent notices (nearly all) leave the index
        indexes = [models.Index(fields=["due_at"], name="notice_due",
                                condition=models.Q(status__in=["pending", "sending"]))]
        # a constraint, not unique=True: no second (LIKE) index to write per notice
        constraints = [models.UniqueConstraint(fields=["key"], name="notice_key_once")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class Preference(models.Model):
    """The patient's choice; no row means notices are on."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE,
                                   related_name="notice_preference", verbose_name=_("بیمار"))
    sms = models.BooleanField(_("پیامک رویدادهای نسخه"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ترجیح اطلاع‌رسانی")
        verbose_name_plural = _("ترجیحات اطلاع‌رسانی")

    def __str__(self) -> str:
        return f"{self.patient_id}: {'on' if self.sms else 'off'}"
