"""Idempotent demo data: the people, facilities, insurers and coverage of CONTRACT.md."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as accounts_services
from accounts.models import Facility, Membership, Patient, Role, Specialty, User
from claims.models import Coverage, Insurer, Scheme

FACILITIES = [
    # key, name, kind, SIAM id, city
    ("ahmadi", "Ahmadi Office", Facility.Kind.OFFICE, "10000001", "تهران"),
    ("shafa", "Shafa Clinic", Facility.Kind.CLINIC, "10000002", "تهران"),
    ("razi", "Razi Pharmacy", Facility.Kind.PHARMACY, "20000001", "تهران"),
    ("sina", "Sina Pharmacy", Facility.Kind.PHARMACY, "20000002", "تهران"),
    ("pasteur", "Pasteur Lab", Facility.Kind.LAB, "30000001", "تهران"),
    ("noor", "Noor Imaging", Facility.Kind.IMAGING, "40000001", "تهران"),
    ("harekat", "Harekat Physio", Facility.Kind.PHYSIO, "50000001", "تهران"),
    ("ihio", "IHIO", Facility.Kind.INSURER, "90000001", "تهران"),
    ("sso", "SSO", Facility.Kind.INSURER, "90000002", "تهران"),
]

INSURERS = [("IHIO", "بیمه سلامت ایران", "ihio"), ("SSO", "سازمان تأمین اجتماعی", "sso")]
SCHEMES = [
    ("IHIO-GOV", "IHIO", "کارکنان دولت", 30),
    ("IHIO-RURAL", "IHIO", "روستاییان", 10),
    ("SSO-GEN", "SSO", "بیمه‌شدگان عام", 30),
]

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

# national code, mobile, first, last, birth date, sex, scheme code or None
PATIENTS = [
    ("0089012348", "09120000008", "علی", "رستمی", dt.date(1985, 3, 21), "M", "IHIO-GOV"),
    ("0022334459", "09120000011", "مریم", "حسینی", dt.date(1992, 7, 9), "F", "SSO-GEN"),
    ("0044556675", "09120000013", "حمید", "نظری", dt.date(1970, 11, 2), "M", None),
]


class Command(BaseCommand):
    help = "Create or refresh the demo people, facilities, insurers, schemes and coverage."

    @transaction.atomic
    def handle(self, *args, **options):
        facilities = {}
        for key, name, kind, siam_id, city in FACILITIES:
            facilities[key], _ = Facility.objects.update_or_create(
                siam_id=siam_id, defaults={"name": name, "kind": kind, "city": city}
            )
        insurers = {}
        for code, name, facility_key in INSURERS:
            insurers[code], _ = Insurer.objects.update_or_create(
                code=code, defaults={"name": name, "facility": facilities[facility_key]}
            )
        schemes = {}
        for code, insurer_code, name, share in SCHEMES:
            schemes[code], _ = Scheme.objects.update_or_create(
                code=code,
                defaults={"insurer": insurers[insurer_code], "name": name,
                          "patient_share_percent": share},
            )
        for national_code, mobile, first, last, memberships in PEOPLE:
            user = self._person(national_code, mobile, first, last)
            for role, facility_key, council, specialty in memberships:
                membership = accounts_services.membership_grant(
                    user=user, role=role, facility=facilities[facility_key],
                    council_number=council, specialty=specialty, notify=False,
                )
                Membership.objects.filter(pk=membership.pk).update(
                    council_number=council, specialty=specialty, is_active=True,
                    licence_status=Membership.Licence.ACTIVE,
                )
        for national_code, mobile, first, last, born, sex, scheme in PATIENTS:
            user = self._person(national_code, mobile, first, last)
            accounts_services.membership_grant(user=user, role=Role.PATIENT, facility=None,
                                               notify=False)
            patient, _ = Patient.objects.update_or_create(
                national_code=national_code,
                defaults={"user": user, "first_name": first, "last_name": last,
                          "birth_date": born, "sex": sex, "mobile": mobile},
            )
            Coverage.objects.filter(patient=patient).delete()
            if scheme:
                Coverage.objects.create(
                    patient=patient, scheme=schemes[scheme], valid_from=dt.date(2020, 1, 1),
                    insurance_number=f"{scheme}-{national_code}",
                )
        self.extend(facilities=facilities, schemes=schemes)
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))

    def extend(self, **context) -> None:
        """Later parts (catalog, rules) add their demo data here."""

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
