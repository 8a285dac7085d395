import datetime as dt

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


def make_patients(count: int) -> list[str]:
    codes = list(valid_codes(count))
    Patient.objects.bulk_create(
        Patient(national_code=code, first_name="بیمار", last_name=str(i),
                birth_date=dt.date(1980, 1, 1) + dt.timedelta(days=i), sex="M")
        for i, code in enumerate(codes))
    return codes
