"""Identifiers (seed 002 §7-1): national codes, FIDA codes of foreign nationals, the unique
ids this site issues to people without a usable code, and mobile numbers. The one place
that knows their shapes."""

import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SEPARATORS = re.compile(r"[\s\-_.\u200c\u200f\u200e]+")


def latin_digits(value: str) -> str:
    """Persian and Arabic-Indic digits to ASCII; other characters untouched."""
    return str(value).translate(_DIGITS)


def _clean(value: object) -> str:
    if not isinstance(value, (str, int)):
        return ""
    return _SEPARATORS.sub("", latin_digits(str(value)))


def national_code_is_valid(code: str) -> bool:
    if len(code) != 10 or not code.isascii() or not code.isdigit():
        return False
    if len(set(code)) == 1:
        return False
    remainder = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(code[9]) == check


def normalize_national_code(value: object) -> str:
    """Return the 10-digit code or raise ValidationError (Persian message)."""
    code = _clean(value)
    if not national_code_is_valid(code):
        raise ValidationError(_("کد ملی معتبر نیست."), code="national_code")
    return code


FIDA_LENGTH = 12
UNIQUE_ID_LENGTH = 13


def fida_code_is_valid(code: str) -> bool:
    """A FIDA code (کد فراگیر اتباع خارجی) is 12 digits. No check digit is published, so
    only the shape is checked (and the all-same-digit codes a keyboard produces by mistake)."""
    return (len(code) == FIDA_LENGTH and code.isascii() and code.isdigit()
            and len(set(code)) > 1)


def normalize_fida_code(value: object) -> str:
    code = _clean(value)
    if len(code) == 10 and national_code_is_valid(code):
        raise ValidationError(_("این شماره ۱۰ رقمی یک کد ملی است، نه کد فیدا."),
                              code="national_as_fida")
    if not fida_code_is_valid(code):
        raise ValidationError(_("کد فیدا (اتباع خارجی) باید ۱۲ رقم باشد."), code="fida_code")
    return code


def _luhn_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def unique_id_is_valid(code: str) -> bool:
    """A site-issued unique id: 13 digits, the last a Luhn check digit (a typo is caught)."""
    return (len(code) == UNIQUE_ID_LENGTH and code.isascii() and code.isdigit()
            and code[0] != "0" and _luhn_digit(code[:-1]) == code[-1])


def new_unique_id() -> str:
    """For people without a usable code (§7-1 note 1) and newborns before registration.
    It identifies the person only: it implies no insurance cover."""
    body = str(secrets.randbelow(9 * 10**11) + 10**11)
    return body + _luhn_digit(body)


@dataclass(frozen=True)
class PatientIdentifier:
    """Which of a patient's identifiers a typed value is: told apart by length."""

    kind: str  # "national_code", "fida_code" or "unique_id"
    value: str


def parse_patient_identifier(value: object) -> PatientIdentifier:
    """10 digits: a national code; 12: a FIDA code; 13: a unique id this site issued."""
    code = _clean(value)
    if len(code) == 10:
        return PatientIdentifier("national_code", normalize_national_code(code))
    if len(code) == FIDA_LENGTH:
        return PatientIdentifier("fida_code", normalize_fida_code(code))
    if len(code) == UNIQUE_ID_LENGTH:
        if not unique_id_is_valid(code):
            raise ValidationError(_("شناسه یکتا معتبر نیست."), code="unique_id")
        return PatientIdentifier("unique_id", code)
    raise ValidationError(
        _("کد ملی (۱۰ رقم)، کد فیدا (۱۲ رقم) یا شناسه یکتا (۱۳ رقم) را وارد کنید."),
        code="identifier")


def normalize_mobile(value: object) -> str:
    """Return the mobile as 09xxxxxxxxx or raise ValidationError.

    Accepts 09…, 9…, +989…, 00989…, 989…, with Persian digits, spaces and dashes.
    """
    mobile = _clean(value)
    if mobile.startswith("+98"):
        mobile = "0" + mobile[3:]
    elif mobile.startswith("0098"):
        mobile = "0" + mobile[4:]
    elif mobile.startswith("98") and len(mobile) == 12:
        mobile = "0" + mobile[2:]
    elif mobile.startswith("9") and len(mobile) == 10:
        mobile = "0" + mobile
    if not re.fullmatch(r"09[0-9]{9}", mobile):
        raise ValidationError(_("شماره همراه معتبر نیست."), code="mobile")
    return mobile


MAX_DB_ID = 2**63 - 1


def db_id(value: object) -> int | None:
    """A row id from user input, or None: never a value the database would choke on."""
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, (int, str)) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_DB_ID else None
