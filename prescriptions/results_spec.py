"""Coded lab results (seed 002 §9-2-8): units in UCUM, reference ranges by sex and age, and
the LOINC codes a test and its components carry, from the catalog item's `result_spec`:

    {"unit": "mg/dL", "ranges": [{"low": 70, "high": 100}],
     "components": [{"name": "Hb", "loinc": "718-7", "unit": "g/dL",
                     "ranges": [{"sex": "F", "low": 12, "high": 16},
                                {"sex": "M", "low": 13.5, "high": 17.5}]}]}

UCUM is checked by its grammar (a product and quotient of atoms with prefixes, exponents,
`10*n` factors and `{annotations}`), over the atoms a laboratory reports in; what counters
commonly type (`µ`, `^`, `mcg`, `cc`) is rewritten to the UCUM spelling first."""

from __future__ import annotations

import datetime as dt
import re

# UCUM atoms a clinical laboratory reports in (base units, and the derived and customary
# ones of the clinical tables), and the metric prefixes.
ATOMS = {
    "m", "g", "s", "K", "mol", "L", "l", "min", "h", "d", "wk", "mo", "a", "Cel", "%",
    "eq", "osm", "U", "[IU]", "[iU]", "kat", "Pa", "[mm_Hg]", "mm[Hg]", "[pH]", "fL", "pg",
    "[arb'U]", "[HPF]", "[LPF]", "[cells]", "{cells}", "[ppm]", "[ppb]", "Ohm", "V", "J",
    "cal", "mL", "dL", "uL", "nL", "1",
}
PREFIXES = ("Y", "Z", "E", "P", "T", "G", "M", "k", "h", "da", "d", "c", "m", "u", "n", "p",
            "f", "a", "z", "y")
TYPED = [("µ", "u"), ("μ", "u"), ("^", "*"), ("mcg", "ug"), ("cc", "mL"), ("×", "."),
         ("x10*", "10*")]
_TERM = re.compile(r"^(?P<atom>[^\d\-+]+?|10\*[+-]?\d+|\d+)(?P<exp>[+-]?\d+)?$")
_UID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


def ucum_normalize(unit: str) -> str:
    text = unit.strip().replace(" ", "")
    for typed, ucum in TYPED:
        text = text.replace(typed, ucum)
    return text


def same_unit(a: str, b: str) -> bool:
    """The same UCUM unit spelt either way: UCUM writes the litre "l" or "L"."""
    return a.replace("l", "L") == b.replace("l", "L")


def _atom_ok(atom: str) -> bool:
    if atom in ATOMS or re.fullmatch(r"10\*[+-]?\d+|\d+", atom):
        return True
    return any(atom.startswith(p) and atom[len(p):] in ATOMS for p in PREFIXES)


def is_ucum(unit: str) -> bool:
    """Whether `unit` (already normalised) is a UCUM expression over the atoms above."""
    if not unit or len(unit) > 30 or unit.count("(") or unit.count(")"):
        return False
    plain = re.sub(r"\{[^{}]*\}", "1", unit)  # annotations carry no unit
    for term in re.split(r"[./]", plain.lstrip("/")):
        match = _TERM.match(term)
        if not term or not match or not _atom_ok(match["atom"]):
            return False
    return True


def loinc_ok(code: str) -> bool:
    """A LOINC code: digits, a dash and the Luhn (mod 10) check digit of the digits."""
    match = re.fullmatch(r"(\d{1,7})-(\d)", code)
    if not match:
        return False
    total = 0
    for position, digit in enumerate(reversed(match[1])):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(match[2])


def dicom_uid_ok(value: str) -> bool:
    """A DICOM UID: dotted digits, no leading zeros, at most 64 characters."""
    return len(value) <= 64 and bool(_UID.match(value))


def _age(birth_date: dt.date | None, on: dt.date) -> int | None:
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def reference_range(ranges: list, *, sex: str, birth_date: dt.date | None,
                    on: dt.date) -> str:
    """"low-high" of the first range that fits the person's sex and age, else ""."""
    age = _age(birth_date, on)
    for entry in ranges or []:
        if not isinstance(entry, dict) or "low" not in entry or "high" not in entry:
            continue
        if entry.get("sex") and entry["sex"] != sex:
            continue
        too_young = entry.get("age_min") is not None and age is not None \
            and age < entry["age_min"]
        too_old = entry.get("age_max") is not None and age is not None \
            and age > entry["age_max"]
        if too_young or too_old:
            continue
        return f"{entry['low']:g}-{entry['high']:g}"
    return ""


def component_spec(spec: dict, name: str) -> dict:
    """The spec of one component by its name (case and spaces aside), or {}."""
    wanted = name.strip().lower()
    for component in (spec or {}).get("components") or []:
        if isinstance(component, dict) and str(component.get("name", "")).lower() == wanted:
            return component
    return {}
