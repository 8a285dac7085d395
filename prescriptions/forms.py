from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.identity import latin_digits, parse_patient_identifier
from accounts.jalali import parse_jalali_date
from accounts.models import Membership, Patient, Role


class AdmitForm(forms.Form):
    national_code = forms.CharField(
        label=_("کد ملی، کد فیدا یا شناسه یکتای بیمار"), max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autofocus": True, "dir": "ltr",
                                      "autocomplete": "off"}))
    doctor = forms.ModelChoiceField(label=_("پزشک"), queryset=Membership.objects.none(),
                                    empty_label=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, facility_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = (
            Membership.objects.filter(facility_id=facility_id, role=Role.DOCTOR, is_active=True)
            .select_related("user", "practitioner").order_by("user__last_name"))
        self.fields["doctor"].label_from_instance = lambda m: (
            f"{m.user.full_name} ({m.get_specialty_display() or m.get_role_display()})")

    newborn = forms.BooleanField(label=_("نوزاد (با کد ملی مادر)"), required=False)
    # the basic cover chosen for a person with two (seed 002 §9-1-2)
    scheme = forms.CharField(label=_("بیمه پایه"), required=False, max_length=32)
    referral = forms.CharField(label=_("کد ارجاع (برای متخصص)"), required=False, max_length=10)

    def clean_national_code(self) -> str:
        return parse_patient_identifier(self.cleaned_data["national_code"]).value


class Identity(models.TextChoices):
    NATIONAL = "national", _("کد ملی")
    FIDA = "fida", _("کد فیدا (اتباع خارجی)")
    NEWBORN = "newborn", _("نوزاد (با کد ملی مادر)")
    UNIDENTIFIED = "unidentified", _("بدون شناسه (مجهول‌الهویه یا کد ملی مسدود)")


class PatientForm(forms.Form):
    """Registration at reception under any identity of seed 002 §7-1."""

    identity = forms.ChoiceField(label=_("شناسایی بیمار با"), choices=Identity.choices,
                                 initial=Identity.NATIONAL, widget=forms.RadioSelect)
    code = forms.CharField(label=_("کد ملی یا کد فیدا"), max_length=32, required=False,
                           widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
    mother_code = forms.CharField(label=_("کد ملی مادر (برای نوزاد)"), max_length=32,
                                  required=False,
                                  widget=forms.TextInput(attrs={"dir": "ltr",
                                                                "inputmode": "numeric"}))
    first_name = forms.CharField(label=_("نام"), max_length=100)
    last_name = forms.CharField(label=_("نام خانوادگی"), max_length=100)
    birth_date = forms.CharField(label=_("تاریخ تولد (مثلاً ۱۳۷۰/۰۵/۱۲)"), max_length=12,
                                 widget=forms.TextInput(attrs={"dir": "ltr",
                                                               "placeholder": "1370/05/12"}))
    sex = forms.ChoiceField(label=_("جنس"), choices=Patient.Sex.choices,
                            widget=forms.Select(attrs={"class": "form-select"}))
    mobile = forms.CharField(label=_("شماره همراه"), max_length=32, required=False,
                             widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}))

    def clean(self):
        data = super().clean()
        identity = data.get("identity")
        if identity in (Identity.NATIONAL, Identity.FIDA) and not data.get("code"):
            self.add_error("code", _("کد را وارد کنید."))
        if identity == Identity.NEWBORN and not data.get("mother_code"):
            self.add_error("mother_code", _("کد ملی مادر را وارد کنید."))
        return data

    def registration(self) -> dict:
        """The keyword arguments of `patient_register` for the chosen identity."""
        data = self.cleaned_data
        identity = data["identity"]
        return {
            "national_code": data["code"] if identity == Identity.NATIONAL else None,
            "fida_code": data["code"] if identity == Identity.FIDA else None,
            "mother_national_code": data["mother_code"] if identity == Identity.NEWBORN
            else None,
            "unidentified": identity == Identity.UNIDENTIFIED,
            "first_name": data["first_name"], "last_name": data["last_name"],
            "birth_date": data["birth_date"], "sex": data["sex"], "mobile": data["mobile"],
        }

    def clean_birth_date(self):
        try:
            return parse_jalali_date(self.cleaned_data["birth_date"])
        except ValueError:
            raise forms.ValidationError(_("تاریخ را به شکل ۱۳۷۰/۰۵/۱۲ وارد کنید.")) from None


class CodeForm(forms.Form):
    code = forms.CharField(label=_("کدی که بیمار می‌خواند"), max_length=16,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr",
                                                         "autocomplete": "one-time-code"}))


def items_from_post(post) -> list[dict]:
    """The item rows of a prescribing form (parallel lists) as API-shaped dicts; a drug row's
    amount and frequency become the structured `dose`."""
    codes = post.getlist("code")
    columns = {name: post.getlist(name) for name in (
        "quantity", "dosage", "instructions", "dose_amount", "dose_frequency", "dose_timing")}

    def cell(name: str, index: int) -> str:
        values = columns[name]
        return values[index] if index < len(values) else ""

    items = []
    for index, code in enumerate(codes[:50]):
        item = {"code": code, "quantity": latin_digits(cell("quantity", index)).strip(),
                "dosage": cell("dosage", index), "instructions": cell("instructions", index)}
        amount, frequency = cell("dose_amount", index).strip(), cell("dose_frequency", index)
        if amount or frequency:
            item["dose"] = {"amount": amount, "frequency": frequency,
                            "timing": cell("dose_timing", index)}
        items.append(item)
    return items


DOSE_AMOUNTS = ["نیم", "۱", "۲", "۳", "۱٫۵"]
