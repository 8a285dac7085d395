from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.identity import normalize_national_code
from accounts.jalali import parse_jalali_date
from accounts.models import Membership, Patient, Role


class AdmitForm(forms.Form):
    national_code = forms.CharField(
        label=_("کد ملی بیمار"), max_length=32,
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

    def clean_national_code(self) -> str:
        return normalize_national_code(self.cleaned_data["national_code"])


class PatientForm(forms.Form):
    national_code = forms.CharField(label=_("کد ملی"), max_length=32,
                                    widget=forms.TextInput(attrs={"dir": "ltr"}))
    first_name = forms.CharField(label=_("نام"), max_length=100)
    last_name = forms.CharField(label=_("نام خانوادگی"), max_length=100)
    birth_date = forms.CharField(label=_("تاریخ تولد (مثلاً ۱۳۷۰/۰۵/۱۲)"), max_length=12,
                                 widget=forms.TextInput(attrs={"dir": "ltr",
                                                               "placeholder": "1370/05/12"}))
    sex = forms.ChoiceField(label=_("جنس"), choices=Patient.Sex.choices,
                            widget=forms.Select(attrs={"class": "form-select"}))
    mobile = forms.CharField(label=_("شماره همراه"), max_length=32, required=False,
                             widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}))

    def clean_national_code(self) -> str:
        return normalize_national_code(self.cleaned_data["national_code"])

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
    """The item rows of a prescribing form (parallel lists) as API-shaped dicts."""
    codes = post.getlist("code")
    quantities = post.getlist("quantity")
    dosages = post.getlist("dosage")
    notes = post.getlist("instructions")
    items = []
    for index, code in enumerate(codes[:50]):
        items.append({
            "code": code,
            "quantity": quantities[index] if index < len(quantities) else "",
            "dosage": dosages[index] if index < len(dosages) else "",
            "instructions": notes[index] if index < len(notes) else "",
        })
    return items


DOSAGE_PRESETS = ["هر ۸ ساعت یک عدد", "هر ۱۲ ساعت یک عدد", "روزی یک عدد", "هر ۶ ساعت یک عدد",
                  "شب‌ها یک عدد", "در صورت درد", "قبل از غذا", "بعد از غذا"]
