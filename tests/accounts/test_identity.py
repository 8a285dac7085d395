import pytest
from django.core.exceptions import ValidationError

from accounts.identity import (
    latin_digits,
    national_code_is_valid,
    normalize_mobile,
    normalize_national_code,
)


@pytest.mark.parametrize("code", ["0012345679", "0089012348", "0022334459", "0044556675",
                                  "0499370899"])
def test_valid_national_codes_are_accepted(code):
    assert national_code_is_valid(code)
    assert normalize_national_code(code) == code


@pytest.mark.parametrize("code", ["0012345678", "0089012349", "1234567890", "1111111114"])
def test_wrong_check_digit_is_refused(code):
    assert not national_code_is_valid(code)
    with pytest.raises(ValidationError):
        normalize_national_code(code)


@pytest.mark.parametrize("code", ["0000000000", "1111111111", "5555555555", "9999999999"])
def test_all_equal_digits_are_refused(code):
    assert not national_code_is_valid(code)


@pytest.mark.parametrize("code", ["", "001234567", "00123456790", "abcdefghij", "00123-4567x",
                                  None, 12.5, ["0012345679"], {"a": 1}])
def test_wrong_length_or_junk_is_refused(code):
    with pytest.raises(ValidationError):
        normalize_national_code(code)


def test_persian_and_arabic_digits_and_spaces_are_normalised():
    assert normalize_national_code("۰۰۱۲۳۴۵۶۷۹") == "0012345679"
    assert normalize_national_code("٠٠١٢٣٤٥٦٧٩") == "0012345679"
    assert normalize_national_code(" 001-234567-9 ") == "0012345679"
    assert latin_digits("کد ۱۲۳") == "کد 123"


@pytest.mark.parametrize("raw", ["09120000001", "+989120000001", "00989120000001",
                                 "989120000001", "9120000001", "۰۹۱۲۰۰۰۰۰۰۱", "0912 000 0001",
                                 "+98 912-000-0001"])
def test_mobiles_are_normalised(raw):
    assert normalize_mobile(raw) == "09120000001"


@pytest.mark.parametrize("raw", ["", "0212000000", "0812000000", "091200000011", "0912abc0001",
                                 "+1 555 0100", None, {"x": 1}])
def test_bad_mobiles_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_mobile(raw)


@pytest.mark.parametrize("raw", ["০৯১২০০০০০০১", "09١٢٠٠٠٠٠٠¹"])
def test_other_scripts_digits_are_not_mobiles(raw):
    with pytest.raises(ValidationError):
        normalize_mobile(raw)
