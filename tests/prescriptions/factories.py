"""factory_boy factories for the test cast beyond the demo data: patients with valid
national codes, in bulk."""

import datetime as dt

import factory

from accounts.identity import national_code_is_valid
from accounts.models import Patient


def valid_codes(count: int, start: int = 100_000_000):
    """Generate valid national codes (a check digit on each 9-digit stem)."""
    stem = start
    produced = 0
    while produced < count:
        digits = f"{stem:09d}"
        remainder = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
        check = remainder if remainder < 2 else 11 - remainder
        code = digits + str(check)
        stem += 1
        if len(set(code)) > 1:
            produced += 1
            yield code


_codes = valid_codes(10**6, start=200_000_000)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    national_code = factory.LazyFunction(lambda: next(_codes))
    first_name = "بیمار"
    last_name = factory.Sequence(lambda n: f"شماره {n}")
    birth_date = factory.Sequence(lambda n: dt.date(1980, 1, 1) + dt.timedelta(days=n % 9000))
    sex = factory.Iterator([Patient.Sex.MALE, Patient.Sex.FEMALE])


def make_patients(count: int) -> list[str]:
    """`count` patients in one INSERT (built by the factory, saved by bulk_create)."""
    built = PatientFactory.build_batch(count)
    assert all(national_code_is_valid(p.national_code) for p in built)
    Patient.objects.bulk_create(built)
    return [p.national_code for p in built]
