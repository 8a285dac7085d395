"""Iranian identifiers: national codes and mobile numbers. The one place that knows them."""

import re

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
