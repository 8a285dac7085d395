"""Catalog, visits, prescriptions and their versions, rules as data, consent grants."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Facility, Membership, Patient, Specialty
from prescriptions.dosage import Dose, Frequency, Timing
from prescriptions.rule_version import RuleQuerySet


class Kind(models.TextChoices):
    DRUG = "drug", _("دارو")
    LAB = "lab", _("آزمایش")
    IMAGING = "imaging", _("تصویربرداری")
    PHYSIO = "physio", _("فیزیوتراپی")
    # Done by the doctor in the office (injection, dressing, ECG, suturing; seed 001 step 5):
    # performed, and claimed, when the visit is confirmed.
    SERVICE = "service", _("خدمات پزشک")


class GenericGroup(models.Model):
    """Items that are the same medicine (one generic, its brands): the insurer's tariff is
    per group and scheme, and a cheaper member is the suggestion (seed 002 §8-6)."""

    code = models.CharField(_("کد گروه"), max_length=32, unique=True)
    name = models.CharField(_("نام"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("گروه ژنریک")
        verbose_name_plural = _("گروه‌های ژنریک")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code


class CatalogItem(models.Model):
    """A drug or a service with its price in Rials. `search_text` feeds the as-you-type index."""

    class ItemKind(models.TextChoices):
        DRUG = "drug", _("دارو")
        LAB = "lab", _("آزمایش")
        IMAGING = "imaging", _("تصویربرداری")
        PHYSIO = "physio", _("فیزیوتراپی")
        SERVICE = "service", _("خدمات پزشک")
        VISIT = "visit", _("ویزیت")

    kind = models.CharField(_("نوع"), max_length=10, choices=ItemKind.choices)
    code = models.CharField(_("کد"), max_length=32, unique=True)
    name_fa = models.CharField(_("نام فارسی"), max_length=200)
    name_en = models.CharField(_("نام لاتین"), max_length=200, blank=True)
    form = models.CharField(_("شکل دارویی"), max_length=50, blank=True)
    strength = models.CharField(_("قدرت"), max_length=50, blank=True)
    therapeutic_class = models.CharField(_("گروه درمانی"), max_length=50, blank=True)
    synonyms = models.CharField(
        _("نام‌های دیگر"), max_length=500, blank=True,
        help_text=_("نام‌های تجاری و رایج به فارسی و لاتین، با | جدا (paracetamol|تایلنول)"))
    unit_price = models.PositiveBigIntegerField(_("قیمت واحد (ریال)"))
    # TTAC (seed 002 §9-2-7): a tracked drug is dispensed pack by pack, one code per pack.
    pack_size = models.PositiveIntegerField(_("تعداد در هر بسته"), null=True, blank=True)
    ttac_tracked = models.BooleanField(_("دارای کد اصالت (TTAC)"), default=True)
    default_days_supply = models.PositiveSmallIntegerField(
        _("مدت مصرف پیش‌فرض (روز)"), null=True, blank=True,
        help_text=_("وقتی دستور مصرف روزانه معلوم نیست، دارو تا این مدت «در مصرف» است."))
    # Coded results (seed 002 §9-2-8): a lab test's LOINC code, and what its values are
    # checked against: {"unit": UCUM, "ranges": [{low, high, sex?, age_min?, age_max?}],
    # "components": [{name, loinc, unit, ranges}]} (prescriptions/results_spec.py).
    loinc = models.CharField(_("کد LOINC"), max_length=10, blank=True)
    result_spec = models.JSONField(_("واحد و بازه مرجع نتیجه"), default=dict, blank=True)
    generic_group = models.ForeignKey(GenericGroup, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="items",
                                      verbose_name=_("گروه ژنریک"))
    active = models.BooleanField(_("فعال"), default=True)
    search_text = models.CharField(max_length=1000, editable=False, default="")

    class Meta:
        verbose_name = _("قلم فهرست")
        verbose_name_plural = _("فهرست داروها و خدمات")
        ordering = ["code"]
        indexes = [models.Index(fields=["kind", "active"], name="catalog_kind_active")]

    def __str__(self) -> str:
        return f"{self.name_fa} ({self.code})"

    def save(self, *args, **kwargs):
        # Derived column for the search index; bulk imports fill it the same way.
        from prescriptions.catalog import search_text_for

        self.search_text = search_text_for(code=self.code, name_fa=self.name_fa,
                                           name_en=self.name_en, synonyms=self.synonyms)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.name_fa or self.name_en

    @property
    def is_pack_tracked(self) -> bool:
        """Whether a dispense of this item needs one authenticity code per pack."""
        return self.kind == self.ItemKind.DRUG and self.ttac_tracked


class CatalogPrice(models.Model):
    """A price and the day it took effect, kept when a price changes: an insurer checks a
    claim against the price of its service date, not today's."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="prices",
                             verbose_name=_("قلم"))
    unit_price = models.PositiveBigIntegerField(_("قیمت واحد (ریال)"))
    valid_from = models.DateField(_("از تاریخ"))

    class Meta:
        verbose_name = _("سابقه قیمت")
        verbose_name_plural = _("سابقه قیمت‌ها")
        constraints = [models.UniqueConstraint(fields=["item", "valid_from"],
                                               name="catalog_price_once_a_day")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.unit_price} ({self.valid_from})"


class Visit(models.Model):
    """An encounter admitted into a doctor's queue; eligibility gives it its HID."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("در انتظار")
        IN_PROGRESS = "in_progress", _("در حال ویزیت")
        DONE = "done", _("ویزیت‌شده")

    hid = models.CharField(_("شناسه شباد"), max_length=20)  # unique: Meta
    # the doctor's and the facility's own indexes lead the queue's and the day's (Meta)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="visits",
                                 verbose_name=_("مرکز"), db_index=False)
    doctor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="visits",
                               verbose_name=_("پزشک"), db_index=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits",
                                verbose_name=_("بیمار"))
    admitted_by = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True,
                                    related_name="+", verbose_name=_("پذیرش توسط"))
    day = models.DateField(_("روز"), default=timezone.localdate)
    status = models.CharField(_("وضعیت"), max_length=12, choices=Status.choices,
                              default=Status.WAITING)
    # Eligibility as answered at admission (insurer can change later; the visit keeps this).
    scheme = models.ForeignKey("claims.Scheme", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("صندوق"))
    patient_share_percent = models.PositiveSmallIntegerField(_("سهم بیمار"), default=100)
    supplementary_scheme = models.ForeignKey(
        "claims.Scheme", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("صندوق تکمیلی"))
    supplementary_percent = models.PositiveSmallIntegerField(_("سهم تکمیلی"), default=0)
    created_at = models.DateTimeField(_("زمان پذیرش"), default=timezone.now)
    completed_at = models.DateTimeField(_("زمان تأیید ویزیت"), null=True, blank=True)
    # why the visit carries no cover although the person has one ("referral": the scheme
    # needs a GP's referral for this specialist and none was open)
    uncovered_reason = models.CharField(_("علت نبود پوشش"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("ویزیت")
        verbose_name_plural = _("ویزیت‌ها")
        indexes = [models.Index(fields=["doctor", "day", "created_at"], name="visit_queue"),
                   models.Index(fields=["facility", "day"], name="visit_facility_day")]
        constraints = [
            # unique fields as constraints, not unique=True: no LIKE index beside them
            models.UniqueConstraint(fields=["hid"], name="visit_hid_once"),
            # Double submits of an admission land on the same waiting visit.
            models.UniqueConstraint(fields=["doctor", "patient", "day"],
                                    condition=Q(status="waiting"),
                                    name="visit_one_waiting_per_doctor_day"),
        ]

    def __str__(self) -> str:
        return f"{self.hid} — {self.patient}"


class Prescription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("فعال")
        PARTIALLY_DISPENSED = "partially_dispensed", _("بخشی ارائه شده")
        DISPENSED = "dispensed", _("ارائه شده")
        CANCELLED = "cancelled", _("ابطال شده")
        EXPIRED = "expired", _("منقضی")

    OPEN_STATUSES = (Status.ACTIVE, Status.PARTIALLY_DISPENSED)

    tracking_code = models.CharField(_("کد رهگیری"), max_length=16)  # unique: Meta
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="prescriptions",
                              verbose_name=_("ویزیت"))
    # patient and doctor lead rx_patient_kind_status and rx_doctor_created (Meta): no index
    # of their own to write on every prescription
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions",
                                verbose_name=_("بیمار"), db_index=False)
    doctor = models.ForeignKey(Membership, on_delete=models.PROTECT,
                               related_name="prescriptions", verbose_name=_("پزشک"),
                               db_index=False)
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("مرکز"))
    kind = models.CharField(_("نوع"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("وضعیت"), max_length=20, choices=Status.choices,
                              default=Status.ACTIVE)
    version = models.PositiveIntegerField(_("نسخه"), default=1)
    note = models.CharField(_("یادداشت"), max_length=500, blank=True)
    hid = models.CharField(_("شناسه شباد"), max_length=20)
    scheme = models.ForeignKey("claims.Scheme", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("صندوق"))
    patient_share_percent = models.PositiveSmallIntegerField(_("سهم بیمار"), default=100)
    supplementary_scheme = models.ForeignKey(
        "claims.Scheme", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("صندوق تکمیلی"))
    supplementary_percent = models.PositiveSmallIntegerField(_("سهم تکمیلی"), default=0)
    total = models.PositiveBigIntegerField(_("جمع"), default=0)
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه"), default=0)
    supplementary_share = models.PositiveBigIntegerField(_("سهم بیمه تکمیلی"), default=0)
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار"), default=0)
    rule_results = models.JSONField(_("نتیجه قواعد"), default=list, blank=True)
    warnings_overridden = models.BooleanField(_("هشدارها تأیید شد"), default=False)
    rules_tracking_id = models.CharField(_("شناسه رهگیری قواعد"), max_length=24, blank=True)
    signature = models.TextField(_("امضا"), blank=True)
    # Set only once a signature is checked against the doctor's registered key (seed 003).
    signature_verified = models.BooleanField(_("امضای تأییدشده"), default=False)
    signature_key = models.ForeignKey("accounts.DoctorKey", on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("کلید امضا"))
    # The exact bytes (UTF-8 canonical JSON) the signature covers, kept for re-checking.
    signed_content = models.TextField(_("متن امضاشده"), blank=True)
    created_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)
    updated_at = models.DateTimeField(_("آخرین تغییر"), default=timezone.now)
    # When this version was issued: what the paper copy's signed payload says.
    issued_at = models.DateTimeField(_("زمان صدور این نسخه"), default=timezone.now)
    valid_until = models.DateField(_("معتبر تا"))

    class Meta:
        verbose_name = _("نسخه")
        verbose_name_plural = _("نسخه‌ها")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "kind", "status"], name="rx_patient_kind_status"),
            models.Index(fields=["doctor", "-created_at"], name="rx_doctor_created"),
        ]
        constraints = [
            # a constraint, not unique=True: no LIKE index written beside it (every lookup
            # of a tracking code is exact)
            models.UniqueConstraint(fields=["tracking_code"], name="rx_tracking_code_once"),
            models.CheckConstraint(condition=Q(insurer_share__lte=F("total")),
                                   name="rx_shares_within_total"),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_past_validity(self) -> bool:
        return self.valid_until < timezone.localdate()

    @property
    def signed(self) -> bool:
        """True only for a verified signature: an unchecked string proves nothing."""
        return bool(self.signature) and self.signature_verified


class PrescriptionItem(models.Model):
    # leads rx_item_once_per_prescription (Meta)
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE,
                                     related_name="items", db_index=False)
    catalog_item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("کد"), max_length=32)
    name = models.CharField(_("نام"), max_length=200)
    quantity = models.PositiveIntegerField(_("تعداد"))
    dispensed_quantity = models.PositiveIntegerField(_("ارائه شده"), default=0)
    # When it was last given (the latest dispense's end), written with the counter above:
    # the medication profile reads it from the item's own row, with no join to the
    # dispensing tables whatever their size or their statistics.
    last_given_at = models.DateTimeField(_("آخرین ارائه"), null=True, blank=True)
    dosage = models.CharField(_("دستور مصرف"), max_length=100, blank=True)
    # The structured dosage the line above is drawn from (empty for free-text dosage).
    dose_amount = models.DecimalField(_("مقدار هر نوبت"), max_digits=6, decimal_places=2,
                                      null=True, blank=True)
    dose_unit = models.CharField(_("واحد"), max_length=20, blank=True)
    dose_frequency = models.CharField(_("دفعات مصرف"), max_length=10, blank=True,
                                      choices=Frequency.choices)
    dose_timing = models.CharField(_("زمان مصرف"), max_length=16, blank=True,
                                   choices=Timing.choices)
    instructions = models.CharField(_("توضیحات"), max_length=300, blank=True)
    unit_price = models.PositiveBigIntegerField(_("قیمت واحد"))
    total = models.PositiveBigIntegerField(_("جمع"))
    insurer_share = models.PositiveBigIntegerField(_("سهم بیمه"))
    supplementary_share = models.PositiveBigIntegerField(_("سهم بیمه تکمیلی"), default=0)
    patient_share = models.PositiveBigIntegerField(_("سهم بیمار"))
    covered = models.BooleanField(_("تحت پوشش"))
    loinc = models.CharField(_("کد LOINC"), max_length=10, blank=True)
    # the insurer's tariff per unit the shares were computed on (None: the price itself)
    tariff = models.PositiveBigIntegerField(_("تعرفه بیمه"), null=True, blank=True)
    rules_tracking_id = models.CharField(_("شناسه رهگیری قواعد"), max_length=24, blank=True)
    result = models.JSONField(_("نتیجه"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("قلم نسخه")
        verbose_name_plural = _("اقلام نسخه")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rx_item_quantity_positive"),
            # The database, not Python, guarantees nothing is ever over-dispensed.
            models.CheckConstraint(condition=Q(dispensed_quantity__lte=F("quantity")),
                                   name="rx_item_never_over_dispensed"),
            # Every Rial of a line is someone's: the shares add up to the total.
            models.CheckConstraint(
                condition=Q(total=F("insurer_share") + F("supplementary_share")
                            + F("patient_share")),
                name="rx_item_shares_add_up"),
            models.UniqueConstraint(fields=["prescription", "catalog_item"],
                                    name="rx_item_once_per_prescription"),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.quantity}"

    @property
    def remaining(self) -> int:
        return self.quantity - self.dispensed_quantity

    @property
    def dose(self) -> Dose | None:
        if self.dose_amount is None or not self.dose_frequency:
            return None
        return Dose(self.dose_amount, self.dose_frequency, self.dose_unit, self.dose_timing)


class PrescriptionVersion(models.Model):
    """Every version of a prescription, as registered (items, rules, override)."""

    # leads rx_version_unique (Meta)
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE,
                                     related_name="versions", db_index=False)
    version = models.PositiveIntegerField()
    items = models.JSONField()
    note = models.CharField(max_length=500, blank=True)
    rule_results = models.JSONField(default=list)
    warnings_overridden = models.BooleanField(default=False)
    totals = models.JSONField(default=dict)
    created_by = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("نسخه قبلی")
        verbose_name_plural = _("تاریخچه تغییرات نسخه")
        ordering = ["prescription", "version"]
        constraints = [models.UniqueConstraint(fields=["prescription", "version"],
                                               name="rx_version_unique")]

    def __str__(self) -> str:
        return f"{self.prescription_id} v{self.version}"


class ConsentGrant(models.Model):
    """A patient's SMS-confirmed permission for one doctor to read the full history."""

    doctor = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()

    class Meta:
        verbose_name = _("رضایت مشاهده سوابق")
        verbose_name_plural = _("رضایت‌های مشاهده سوابق")
        indexes = [models.Index(fields=["doctor", "patient", "valid_until"],
                                name="consent_lookup")]

    def __str__(self) -> str:
        return f"{self.doctor_id} → {self.patient_id}"


# ---- Rules as data (seed 002 §8-6, §8-7): admin-editable tables, not code per drug ----

class RuleLevel(models.TextChoices):
    INFO = "info", _("اطلاع")
    WARNING = "warning", _("هشدار")
    REJECT = "reject", _("رد")


class InsuranceRule(models.Model):
    """What a scheme (or every scheme, when empty) pays for an item and under which limits."""

    scheme = models.ForeignKey("claims.Scheme", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="rules", verbose_name=_("صندوق (خالی: همه)"))
    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="insurance_rules",
                             verbose_name=_("قلم"))
    covered = models.BooleanField(_("تحت پوشش"), default=True)
    patient_share_percent = models.PositiveSmallIntegerField(
        _("سهم بیمار ویژه (درصد)"), null=True, blank=True)
    max_quantity = models.PositiveIntegerField(_("حداکثر تعداد در نسخه"), null=True, blank=True)
    allowed_specialties = models.CharField(
        _("تخصص‌های مجاز"), max_length=300, blank=True,
        help_text=_("کد تخصص‌ها با ویرگول؛ خالی یعنی همه. کدها: ")
        + ", ".join(Specialty.values))
    message = models.CharField(_("پیام"), max_length=300, blank=True)
    active = models.BooleanField(_("فعال"), default=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("قاعده بیمه‌ای")
        verbose_name_plural = _("قواعد بیمه‌ای")
        constraints = [
            models.CheckConstraint(
                condition=Q(patient_share_percent__isnull=True)
                | Q(patient_share_percent__lte=100),
                name="insurance_rule_share_is_percent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme or '*'} / {self.item.code}"

    @property
    def specialties(self) -> set[str]:
        return {s.strip() for s in self.allowed_specialties.split(",") if s.strip()}


class InteractionRule(models.Model):
    """A drug-drug interaction: both items in one prescription give this level and message."""

    item_a = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("قلم اول"))
    item_b = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("قلم دوم"))
    level = models.CharField(_("سطح"), max_length=8, choices=RuleLevel.choices)
    message = models.CharField(_("پیام"), max_length=300)
    active = models.BooleanField(_("فعال"), default=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("تداخل دارویی")
        verbose_name_plural = _("تداخل‌های دارویی")
        constraints = [models.UniqueConstraint(fields=["item_a", "item_b"],
                                               name="interaction_pair_unique")]

    def __str__(self) -> str:
        return f"{self.item_a.code} + {self.item_b.code}"


class ClinicalLimit(models.Model):
    """Age, sex and dose limits for one item."""

    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="clinical_limits",
                             verbose_name=_("قلم"))
    min_age = models.PositiveSmallIntegerField(_("حداقل سن"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("حداکثر سن"), null=True, blank=True)
    sex = models.CharField(_("فقط برای جنس"), max_length=1, choices=Patient.Sex.choices,
                           blank=True)
    max_quantity = models.PositiveIntegerField(_("حداکثر مقدار"), null=True, blank=True)
    level = models.CharField(_("سطح"), max_length=8, choices=RuleLevel.choices,
                             default=RuleLevel.WARNING)
    message = models.CharField(_("پیام"), max_length=300, blank=True)
    active = models.BooleanField(_("فعال"), default=True)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("محدودیت بالینی")
        verbose_name_plural = _("محدودیت‌های بالینی")

    def __str__(self) -> str:
        return f"{self.item.code} limits"


class Referral(models.Model):
    """A GP's referral to a specialty (seed 002 §2's levels): used once, within 30 days, by
    a visit of the same patient with a doctor of that specialty; the specialist's
    prescriptions of that visit are its feedback to the GP."""

    class Status(models.TextChoices):
        OPEN = "open", _("باز")
        USED = "used", _("استفاده‌شده")
        EXPIRED = "expired", _("منقضی")

    code = models.CharField(_("کد ارجاع"), max_length=10, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals",
                                verbose_name=_("بیمار"))
    from_doctor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("پزشک ارجاع‌دهنده"))
    from_visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="referrals_made",
                                   verbose_name=_("ویزیت ارجاع"))
    specialty = models.CharField(_("تخصص"), max_length=20, choices=Specialty.choices)
    note = models.CharField(_("یادداشت"), max_length=500, blank=True)
    status = models.CharField(_("وضعیت"), max_length=8, choices=Status.choices,
                              default=Status.OPEN)
    valid_until = models.DateField(_("معتبر تا"))
    used_by = models.OneToOneField(Visit, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="referral_used", verbose_name=_("ویزیت متخصص"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ارجاع")
        verbose_name_plural = _("ارجاع‌ها")
        indexes = [models.Index(fields=["patient", "specialty", "status"],
                                name="referral_open")]

    def __str__(self) -> str:
        return f"{self.code} → {self.specialty}"

    @property
    def current_status(self) -> str:
        if self.status == self.Status.OPEN and self.valid_until < timezone.localdate():
            return self.Status.EXPIRED
        return self.status


class Tariff(models.Model):
    """What a scheme pays on for one unit of a generic group, from `valid_from` to
    `valid_to`: the part of a price above it is the patient's alone. Periods of one group
    and scheme never overlap (checked on save and on import)."""

    group = models.ForeignKey(GenericGroup, on_delete=models.CASCADE, related_name="tariffs",
                              verbose_name=_("گروه ژنریک"))
    scheme = models.ForeignKey("claims.Scheme", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("صندوق"))
    amount = models.PositiveBigIntegerField(_("تعرفه هر واحد (ریال)"))
    valid_from = models.DateField(_("از تاریخ"))
    valid_to = models.DateField(_("تا تاریخ"), null=True, blank=True)

    class Meta:
        verbose_name = _("تعرفه بیمه")
        verbose_name_plural = _("تعرفه‌های بیمه")
        indexes = [models.Index(fields=["group", "scheme", "valid_from"], name="tariff_on")]
        constraints = [models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
            name="tariff_period_in_order")]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.scheme_id}: {self.amount}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("پایان پیش از شروع است.")})
        overlapping = Tariff.objects.filter(group_id=self.group_id, scheme_id=self.scheme_id)
        if self.pk:
            overlapping = overlapping.exclude(pk=self.pk)
        overlapping = overlapping.filter(Q(valid_to__isnull=True)
                                         | Q(valid_to__gte=self.valid_from))
        if self.valid_to:
            overlapping = overlapping.filter(valid_from__lte=self.valid_to)
        if overlapping.exists():
            raise ValidationError(_("بازه این تعرفه با تعرفه دیگری از همین گروه و صندوق "
                                    "هم‌پوشانی دارد."))
