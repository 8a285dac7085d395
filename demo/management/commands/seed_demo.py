"""Idempotent demo data: the people, facilities, insurers and coverage of CONTRACT.md."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as accounts_services
from accounts.models import Facility, Membership, Patient, Practitioner, Role, Specialty, User
from claims.models import Connection, Coverage, Insurer, Scheme
from prescriptions.models import (
    CatalogItem,
    GenericGroup,
    InsuranceRule,
    InteractionRule,
    Tariff,
)

FACILITIES = [
    # key, name, kind, SIAM id, city
    ("ahmadi", "مطب دکتر احمدی", Facility.Kind.OFFICE, "10000001", "تهران"),
    ("shafa", "درمانگاه شفا", Facility.Kind.CLINIC, "10000002", "تهران"),
    ("razi", "داروخانه رازی", Facility.Kind.PHARMACY, "20000001", "تهران"),
    ("sina", "داروخانه سینا", Facility.Kind.PHARMACY, "20000002", "تهران"),
    ("pasteur", "آزمایشگاه پاستور", Facility.Kind.LAB, "30000001", "تهران"),
    ("noor", "تصویربرداری نور", Facility.Kind.IMAGING, "40000001", "تهران"),
    ("harekat", "فیزیوتراپی حرکت", Facility.Kind.PHYSIO, "50000001", "تهران"),
    ("ihio", "سازمان بیمه سلامت ایران", Facility.Kind.INSURER, "90000001", "تهران"),
    ("sso", "سازمان تأمین اجتماعی", Facility.Kind.INSURER, "90000002", "تهران"),
]

INSURERS = [("IHIO", "بیمه سلامت ایران", "ihio"), ("SSO", "سازمان تأمین اجتماعی", "sso"),
            ("DANA", "بیمه دانا (تکمیلی)", None)]
# code, insurer, number (seed 000), name, patient share % (basic) or share of it paid
# (supplementary), kind
SCHEMES = [
    ("IHIO-GOV", "IHIO", "04", "کارکنان دولت", 30, "basic"),
    ("IHIO-OTHER", "IHIO", "05", "سایر اقشار", 30, "basic"),
    ("IHIO-SELF", "IHIO", "06", "خویش‌فرما", 30, "basic"),
    ("IHIO-RURAL", "IHIO", "07", "روستایی", 40, "basic"),
    ("IHIO-MS", "IHIO", "45", "کارمندی ام‌اس", 10, "basic"),
    ("SSO-GEN", "SSO", "01", "بیمه‌شدگان عام", 30, "basic"),
    ("DANA-SUPP", "DANA", "", "تکمیلی دانا", 70, "supplementary"),
]

# funds that pay a specialist visit only on a GP's referral
REFERRAL_SCHEMES = {"IHIO-RURAL"}

# national code, mobile, first, last, memberships [(role, facility key, council, specialty)]
PEOPLE = [
    ("0012345679", "09120000001", "سارا", "احمدی",
     [(Role.DOCTOR, "ahmadi", "110001", Specialty.GP),
      (Role.DOCTOR, "shafa", "110001", Specialty.GP)]),
    ("0090123451", "09120000009", "رضا", "کریمی",
     [(Role.DOCTOR, "shafa", "110002", Specialty.CARDIOLOGY)]),
    ("0023456787", "09120000002", "نرگس", "صالحی", [(Role.RECEPTION, "shafa", "", "")]),
    ("0034567895", "09120000003", "مهدی", "رازی", [(Role.PHARMACY, "razi", "", "")]),
    ("0033445567", "09120000012", "لیلا", "سینایی", [(Role.PHARMACY, "sina", "", "")]),
    ("0045678901", "09120000004", "پرویز", "پاستوری", [(Role.LAB, "pasteur", "", "")]),
    ("0056789017", "09120000005", "نازنین", "نوری", [(Role.IMAGING, "noor", "", "")]),
    ("0067890121", "09120000006", "کاوه", "حرکتی", [(Role.PHYSIO, "harekat", "", "")]),
    ("0078901235", "09120000007", "فرهاد", "بیمه‌ای", [(Role.REVIEWER, "ihio", "", "")]),
]

# national code, mobile, first, last, birth date, sex, scheme codes
PATIENTS = [
    ("0089012348", "09120000008", "علی", "رستمی", dt.date(1985, 3, 21), "M", ["IHIO-GOV"]),
    ("0022334459", "09120000011", "مریم", "حسینی", dt.date(1992, 7, 9), "F",
     ["SSO-GEN", "DANA-SUPP"]),
    ("0044556675", "09120000013", "حمید", "نظری", dt.date(1970, 11, 2), "M", []),
    # IHIO-RURAL needs a GP's referral for a specialist (seed 002 §2)
    ("0011223340", "09120000014", "زهرا", "یوسفی", dt.date(1995, 2, 11), "F", ["IHIO-RURAL"]),
    # two basic covers (seed 002 §9-1-2): reception chooses one at admission
    ("0033669910", "09120000015", "ندا", "شهابی", dt.date(1988, 5, 14), "F",
     ["IHIO-GOV", "SSO-GEN"]),
]


# code, kind, Persian name, Latin name, form, strength, price (Rials), and the rest:
# pack size (TTAC), therapeutic class, synonyms (brand and common names, either script)
CATALOG = [
    ("AMOX-500-CAP", "drug", "آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول", "Amoxicillin 500 mg capsule",
     "capsule", "500 mg", 25000,
     {"pack_size": 20, "therapeutic_class": "penicillin",
      "synonyms": "amoxil|آموکسیل|آموکسی سیلین|amoxycillin"}),
    ("AMOX-500-CAP-B", "drug", "آموکسی‌سیلین ۵۰۰ میلی‌گرم کپسول (برند)",
     "Amoxicillin 500 mg capsule, brand", "capsule", "500 mg", 45000,
     {"pack_size": 16, "therapeutic_class": "penicillin", "synonyms": "amoxil brand"}),
    ("PARA-500-TAB", "drug", "استامینوفن ۵۰۰ میلی‌گرم قرص", "Acetaminophen 500 mg tablet",
     "tablet", "500 mg", 5000,
     {"pack_size": 20, "therapeutic_class": "analgesic",
      "synonyms": "paracetamol|پاراستامول|tylenol|تایلنول|acetaminophen"}),
    ("WARF-5-TAB", "drug", "وارفارین ۵ میلی‌گرم قرص", "Warfarin 5 mg tablet", "tablet", "5 mg",
     12000, {"pack_size": 30, "therapeutic_class": "anticoagulant",
             "synonyms": "coumadin|کومادین"}),
    ("ASA-80-TAB", "drug", "آسپرین ۸۰ میلی‌گرم قرص", "Aspirin 80 mg tablet", "tablet", "80 mg",
     2000, {"pack_size": 30, "therapeutic_class": "antiplatelet",
            "synonyms": "ASA|acetylsalicylic acid|استیل سالیسیلیک اسید|آسپرین بچه"}),
    ("IBU-400-TAB", "drug", "ایبوپروفن ۴۰۰ میلی‌گرم قرص", "Ibuprofen 400 mg tablet", "tablet",
     "400 mg", 4000, {"pack_size": 20, "therapeutic_class": "nsaid",
                      "synonyms": "brufen|بروفن|advil|ادویل|gelofen|ژلوفن"}),
    ("SILD-50-TAB", "drug", "سیلدنافیل ۵۰ میلی‌گرم قرص", "Sildenafil 50 mg tablet", "tablet",
     "50 mg", 90000, {"pack_size": 4, "therapeutic_class": "pde5",
                      "synonyms": "viagra|ویاگرا"}),
    ("LAB-CBC", "lab", "شمارش کامل سلول‌های خون", "Complete blood count", "", "", 150000,
     {"synonyms": "CBC|آزمایش خون", "loinc": "58410-2", "result_spec": {"components": [
         {"name": "WBC", "loinc": "6690-2", "unit": "10*3/uL",
          "ranges": [{"low": 4, "high": 10}]},
         {"name": "Hb", "loinc": "718-7", "unit": "g/dL",
          "ranges": [{"sex": "F", "low": 12, "high": 16},
                     {"sex": "M", "low": 13.5, "high": 17.5}]},
         {"name": "PLT", "loinc": "777-3", "unit": "10*3/uL",
          "ranges": [{"low": 150, "high": 450}]}]}}),
    ("LAB-FBS", "lab", "قند خون ناشتا", "Fasting blood sugar", "", "", 50000,
     {"synonyms": "FBS|قند ناشتا|glucose", "loinc": "1558-6",
      "result_spec": {"unit": "mg/dL", "ranges": [{"low": 70, "high": 100}]}}),
    ("IMG-CXR", "imaging", "رادیوگرافی قفسه سینه (PA)", "Chest X-ray PA", "", "", 400000,
     {"synonyms": "CXR|عکس ریه|گرافی سینه"}),
    ("PHY-SESSION", "physio", "جلسه فیزیوتراپی", "Physiotherapy session", "", "", 300000, {}),
    ("SRV-INJECTION", "service", "تزریق عضلانی یا وریدی", "Injection (IM/IV)", "", "", 150000,
     {"synonyms": "آمپول|تزریق|injection"}),
    ("SRV-DRESSING", "service", "پانسمان ساده", "Simple dressing", "", "", 250000,
     {"synonyms": "پانسمان|dressing|زخم"}),
    ("SRV-ECG", "service", "نوار قلب (ECG)", "Electrocardiogram", "", "", 600000,
     {"synonyms": "ECG|EKG|الکتروکاردیوگرام|نوار قلب"}),
    ("SRV-SUTURE", "service", "بخیه تا ۵ سانتی‌متر", "Suturing up to 5 cm", "", "", 900000,
     {"synonyms": "بخیه|suture|ترمیم زخم"}),
    ("VISIT-GP", "visit", "ویزیت پزشک عمومی", "GP visit", "", "", 1500000, {}),
]
# item code, max quantity per prescription, covered (for every scheme)
# generic groups (seed 002 §8-6): code, name, members, the basic schemes' tariff per unit
GENERIC_GROUPS = [("AMOX-500", "آموکسی‌سیلین ۵۰۰ میلی‌گرم", ["AMOX-500-CAP", "AMOX-500-CAP-B"],
                   25000)]

INSURANCE_RULES = [("AMOX-500-CAP", 30, True), ("PHY-SESSION", 10, True),
                   ("SILD-50-TAB", None, False)]
INTERACTIONS = [
    ("WARF-5-TAB", "ASA-80-TAB", "warning",
     "وارفارین با آسپرین خطر خونریزی را بیشتر می‌کند؛ در صورت لزوم با پایش INR تجویز شود."),
    ("WARF-5-TAB", "IBU-400-TAB", "reject",
     "وارفارین با ایبوپروفن خطر خونریزی شدید دارد؛ هم‌زمان تجویز نشود."),
]


class Command(BaseCommand):
    help = "Create or refresh the demo people, facilities, insurers, schemes and coverage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--activity", action="store_true",
            help="also a month of claims and invoices, so the claims screens and the "
                 "dashboards are not empty (make run uses it)")

    @transaction.atomic
    def handle(self, *args, activity=False, **options):
        facilities = {}
        for key, name, kind, siam_id, city in FACILITIES:
            facilities[key], _ = Facility.objects.update_or_create(
                siam_id=siam_id, defaults={"name": name, "kind": kind, "city": city}
            )
        insurers = {}
        for code, name, facility_key in INSURERS:
            insurers[code], _ = Insurer.objects.update_or_create(
                code=code, defaults={"name": name,
                                     "facility": facilities.get(facility_key)}
            )
        schemes = {}
        for code, insurer_code, number, name, share, kind in SCHEMES:
            supplementary = kind == Scheme.Kind.SUPPLEMENTARY
            schemes[code], _ = Scheme.objects.update_or_create(
                code=code,
                defaults={"insurer": insurers[insurer_code], "name": name, "number": number,
                          "kind": kind, "patient_share_percent": 0 if supplementary else share,
                          "supplementary_percent": share if supplementary else None,
                          "needs_referral": code in REFERRAL_SCHEMES},
            )
        for national_code, mobile, first, last, memberships in PEOPLE:
            user = self._person(national_code, mobile, first, last)
            for role, facility_key, council, specialty in memberships:
                membership = accounts_services.membership_grant(
                    user=user, role=role, facility=facilities[facility_key],
                    council_number=council, specialty=specialty, notify=False,
                )
                # the demo reviewer holds seed 004's `history` right
                Membership.objects.filter(pk=membership.pk).update(
                    is_active=True, history_permission=role == Role.REVIEWER)
                if membership.practitioner_id:
                    Practitioner.objects.filter(pk=membership.practitioner_id).update(
                        specialty=specialty, full_name=user.full_name, valid_until=None,
                        licence_status=Practitioner.Licence.ACTIVE)
        for national_code, mobile, first, last, born, sex, codes in PATIENTS:
            user = self._person(national_code, mobile, first, last)
            accounts_services.membership_grant(user=user, role=Role.PATIENT, facility=None,
                                               notify=False)
            patient, _ = Patient.objects.update_or_create(
                national_code=national_code,
                defaults={"user": user, "first_name": first, "last_name": last,
                          "birth_date": born, "sex": sex, "mobile": mobile},
            )
            Coverage.objects.filter(patient=patient).delete()
            for scheme in codes:
                Coverage.objects.create(
                    patient=patient, scheme=schemes[scheme], valid_from=dt.date(2020, 1, 1),
                    insurance_number=f"{scheme}-{national_code}",
                )
        self._connections(facilities, insurers)
        self.extend(facilities=facilities, schemes=schemes)
        if activity:
            from demo.activity import month_of_claims, signed_prescription

            self.stdout.write(month_of_claims())
            self.stdout.write(signed_prescription())
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def extend(self, **context) -> None:
        """The demo catalog and rules of CONTRACT.md."""
        items = {}
        for code, kind, name_fa, name_en, form, strength, price, extra in CATALOG:
            items[code], _ = CatalogItem.objects.update_or_create(
                code=code, defaults={"kind": kind, "name_fa": name_fa, "name_en": name_en,
                                     "form": form, "strength": strength, "unit_price": price,
                                     "active": True, "ttac_tracked": kind == "drug",
                                     "pack_size": None, "therapeutic_class": "",
                                     "synonyms": "", "loinc": "", "result_spec": {}, **extra})
        basic = list(Scheme.objects.filter(kind=Scheme.Kind.BASIC))
        for code, name, members, tariff in GENERIC_GROUPS:
            group, _ = GenericGroup.objects.update_or_create(code=code, defaults={"name": name})
            CatalogItem.objects.filter(code__in=members).update(generic_group=group)
            for scheme in basic:
                Tariff.objects.update_or_create(group=group, scheme=scheme,
                                                valid_from=dt.date(2020, 1, 1),
                                                defaults={"amount": tariff, "valid_to": None})
        for code, max_quantity, covered in INSURANCE_RULES:
            InsuranceRule.objects.update_or_create(
                scheme=None, item=items[code],
                defaults={"max_quantity": max_quantity, "covered": covered, "active": True})
        for code_a, code_b, level, message in INTERACTIONS:
            InteractionRule.objects.update_or_create(
                item_a=items[code_a], item_b=items[code_b],
                defaults={"level": level, "message": message, "active": True})

    @staticmethod
    def _connections(facilities, insurers) -> None:
        """Every demo facility can send to every demo insurer (seed 000, step 2)."""
        for facility in facilities.values():
            if facility.kind == Facility.Kind.INSURER:
                continue
            for insurer in insurers.values():
                connection = Connection.objects.filter(facility=facility,
                                                       insurer=insurer).first()
                if connection is None:
                    connection = Connection(facility=facility, insurer=insurer)
                    connection.set_password(f"demo-{facility.siam_id}")
                connection.username = f"{insurer.code.lower()}-{facility.siam_id}"
                connection.terminal = f"T{facility.siam_id}"
                connection.save()

    @staticmethod
    def _person(national_code: str, mobile: str, first: str, last: str) -> User:
        user, _ = User.objects.update_or_create(
            national_code=national_code,
            defaults={"mobile": mobile, "first_name": first, "last_name": last, "is_active": True},
        )
        if not user.password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
