"""Fulfilment records: dispenses (and paraclinic services performed), pack codes, reuse flags."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, Membership
from prescriptions.models import Prescription, PrescriptionItem


class Dispense(models.Model):
    """One counter service: what a facility gave (or performed) against a prescription."""

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT,
                                     related_name="dispenses", verbose_name=_("نسخه"))
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="dispenses",
                                 verbose_name=_("مرکز"), db_index=False)  # leads Meta's
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("کاربر"))
    idempotency_key = models.CharField(_("کلید یکتایی درخواست"), max_length=64, blank=True)
    scheme = models.ForeignKey("claims.Scheme", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("صندوق (روز ارائه)"))
    patient_share_percent = models.PositiveSmallIntegerField(_("سهم بیمار"), default=100)
    supplementary_scheme = models.ForeignKey(
        "claims.Scheme", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("صندوق تکمیلی (روز ارائه)"))
    supplementary_percent = models.PositiveSmallIntegerField(_("سهم تکمیلی"), default=0)
    total = models.PositiveBigIntegerField(_("جمع"), default=0)
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه"), default=0)
    supplementary_share = models.PositiveBigIntegerField(_("سهم بیمه تکمیلی"), default=0)
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار (ریال)"), default=0)
    status_after = models.CharField(_("وضعیت نسخه پس از ارائه"), max_length=20,
                                    choices=Prescription.Status.choices)
    # The pharmacy encounter's own HID, from the eligibility check at dispensing (§9-2-6).
    hid = models.CharField(_("شناسه شباد"), max_length=20, blank=True)
    # The rules' answer on the day of dispensing, kept with the dispense (§9-2-6).
    rule_results = models.JSONField(_("نتیجه قواعد روز ارائه"), default=list, blank=True)
    rules_tracking_id = models.CharField(_("شناسه رهگیری قواعد"), max_length=24, blank=True)
    warnings_acknowledged = models.BooleanField(_("هشدارها را ارائه‌دهنده تأیید کرد"),
                                                default=False)
    payment_method = models.CharField(_("روش پرداخت"), max_length=8, blank=True,
                                      choices=[("cash", _("نقدی")), ("card", _("کارت"))])
    payment_terminal = models.CharField(_("شناسه پایانه فروشگاهی"), max_length=32, blank=True)
    payment_reference = models.CharField(_("شماره پیگیری پرداخت"), max_length=64, blank=True)
    # Served from the paper copy while the site could not be reached, synced afterwards.
    paper = models.BooleanField(_("از نسخه کاغذی (قطعی)"), default=False)
    started_at = models.DateTimeField(_("شروع خدمت"))
    ended_at = models.DateTimeField(_("پایان خدمت"), default=timezone.now)

    class Meta:
        verbose_name = _("ارائه نسخه")
        verbose_name_plural = _("ارائه‌های نسخه")
        ordering = ["-ended_at"]
        indexes = [models.Index(fields=["facility", "-ended_at"], name="dispense_facility_time")]
        constraints = [
            # A retried request with the same Idempotency-Key finds the first dispense.
            models.UniqueConstraint(fields=["facility", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="dispense_idempotency_once"),
            models.UniqueConstraint(fields=["hid"], condition=~Q(hid=""),
                                    name="dispense_hid_once"),
        ]

    def __str__(self) -> str:
        return f"{self.prescription_id} @ {self.facility_id}"

    @property
    def payment(self) -> dict | None:
        if not self.payment_method:
            return None
        return {"method": self.payment_method, "terminal_id": self.payment_terminal,
                "reference": self.payment_reference}


class DispenseLine(models.Model):
    dispense = models.ForeignKey(Dispense, on_delete=models.CASCADE, related_name="lines")
    # Named so the prescribing side can reach an item's lines through the ORM without
    # importing this app.
    item = models.ForeignKey(PrescriptionItem, on_delete=models.PROTECT,
                             related_name="dispense_lines", verbose_name=_("قلم"))
    quantity = models.PositiveIntegerField(_("تعداد"))
    uid = models.CharField(_("کد اصالت"), max_length=16, blank=True)
    unit_price = models.PositiveBigIntegerField(_("قیمت واحد روز ارائه"))
    total = models.PositiveBigIntegerField(_("جمع"))
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه"))
    # What a supplementary insurer pays of the patient's part.
    supplementary_share = models.PositiveBigIntegerField(_("سهم بیمه تکمیلی"), default=0)
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار"))

    class Meta:
        verbose_name = _("قلم ارائه‌شده")
        verbose_name_plural = _("اقلام ارائه‌شده")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dispense_line_positive"),
            # Every Rial of a line is someone's: the shares add up to the total.
            models.CheckConstraint(
                condition=Q(total=F("insurer_share") + F("supplementary_share")
                            + F("patient_share")),
                name="dispense_line_shares_add_up"),
            # One pack, one use, in the whole system (TTAC authenticity code).
            models.UniqueConstraint(fields=["uid"], condition=~Q(uid=""),
                                    name="pack_code_used_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class PackCodeReuse(models.Model):
    """A refused second use of a pack code, for insurers' reviewers to look into."""

    uid = models.CharField(_("کد اصالت"), max_length=16, db_index=True)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("مرکز"))
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("کاربر"))
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("نسخه"))
    first_use = models.ForeignKey(DispenseLine, on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("استفاده اول"))
    at = models.DateTimeField(_("زمان"), default=timezone.now)

    class Meta:
        verbose_name = _("استفاده تکراری کد اصالت")
        verbose_name_plural = _("استفاده‌های تکراری کد اصالت")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.uid


class PaperDispense(models.Model):
    """A service given from the paper copy while the site could not be reached, as the
    counter synced it afterwards (seed 002 §12): the dispense it became, or the conflict
    that stopped it, which insurers' reviewers look into."""

    class Status(models.TextChoices):
        SYNCED = "synced", _("همگام شد")
        CONFLICT = "conflict", _("مغایرت")

    key = models.CharField(_("کلید یکتایی دستگاه"), max_length=64)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("مرکز"))
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("کاربر"))
    tracking_code = models.CharField(_("کد رهگیری"), max_length=16, blank=True)
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="paper_dispenses",
                                     verbose_name=_("نسخه"))
    payload = models.TextField(_("متن QR"))
    site_key = models.CharField(_("کلید امضای نسخه"), max_length=64, blank=True)
    lines = models.JSONField(_("اقلام تحویل‌شده"), default=list)
    payment = models.JSONField(_("پرداخت"), null=True, blank=True)
    served_at = models.DateTimeField(_("زمان تحویل (در قطعی)"))
    received_at = models.DateTimeField(_("زمان همگام‌سازی"), default=timezone.now)
    status = models.CharField(_("وضعیت"), max_length=10, choices=Status.choices)
    code = models.CharField(_("کد مغایرت"), max_length=40, blank=True)
    reason = models.CharField(_("شرح مغایرت"), max_length=300, blank=True)
    dispense = models.OneToOneField(Dispense, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="paper_record", verbose_name=_("ارائه"))
    # What the counter sent under this key: the same key with other content is refused.
    digest = models.CharField(_("چکیده درخواست"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("تحویل از نسخه کاغذی")
        verbose_name_plural = _("تحویل‌های نسخه کاغذی (قطعی)")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "key"], name="paper_dispense_key_once"),
            models.CheckConstraint(condition=Q(status="conflict") | Q(dispense__isnull=False),
                                   name="paper_dispense_synced_has_dispense"),
        ]
        indexes = [models.Index(fields=["status", "-received_at"], name="paper_status")]

    def __str__(self) -> str:
        return f"{self.tracking_code} ({self.get_status_display()})"
