"""The medical council's registry (seed 002 §8-12): licences imported or synced from a CSV.

`council_number,national_code,full_name,specialty,licence_status,valid_until`. Every row is
checked first; one bad row and nothing changes. The report says what changed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from accounts.identity import latin_digits, national_code_is_valid
from accounts.jalali import parse_date_any
from accounts.models import Practitioner, Specialty, User

COLUMNS = ["council_number", "national_code", "full_name", "specialty", "licence_status",
           "valid_until"]
_SPECIALTY = {**{s.value: s.value for s in Specialty}, **{str(s.label): s.value for s in Specialty}}
_STATUS = {**{s.value: s.value for s in Practitioner.Licence},
           **{str(s.label): s.value for s in Practitioner.Licence}}
TRACKED = ["national_code", "full_name", "specialty", "licence_status", "valid_until"]


@dataclass
class RegistryReport:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _row(line: int, raw: dict, problems: list[str]) -> dict | None:
    row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    before = len(problems)
    council = latin_digits(row["council_number"])
    if not (council.isascii() and council.isdigit() and 1 <= len(council) <= 20):
        problems.append(f"line {line}: council_number {row['council_number']!r} is not a number")
    code = latin_digits(row["national_code"])
    if not national_code_is_valid(code):
        problems.append(f"line {line}: national_code {row['national_code']!r} is not valid")
    if not row["full_name"] or len(row["full_name"]) > 200:
        problems.append(f"line {line}: full_name is empty or longer than 200 characters")
    specialty = _SPECIALTY.get(row["specialty"].lower()) or _SPECIALTY.get(row["specialty"])
    if specialty is None:
        problems.append(f"line {line}: specialty {row['specialty']!r} is not one of "
                        + ", ".join(Specialty.values))
    status = _STATUS.get(row["licence_status"].lower()) or _STATUS.get(row["licence_status"])
    if status is None:
        problems.append(f"line {line}: licence_status {row['licence_status']!r} is not "
                        "active, suspended or revoked")
    valid_until = None
    if row["valid_until"]:
        try:
            valid_until = parse_date_any(row["valid_until"])
        except ValueError:
            problems.append(f"line {line}: valid_until {row['valid_until']!r} is not an ISO "
                            "or Jalali date")
    if len(problems) > before:
        return None
    return {"council_number": council, "national_code": code, "full_name": row["full_name"],
            "specialty": specialty, "licence_status": status, "valid_until": valid_until}


def _show(value) -> str:
    return "—" if value in (None, "") else str(value)


def council_registry_import(lines: Iterable[str]) -> RegistryReport:
    report = RegistryReport()
    reader = csv.DictReader(lines)
    columns = {c.strip() for c in (reader.fieldnames or [])}
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        report.errors.append(f"line 1: missing columns {', '.join(missing)}")
        return report
    rows: list[tuple[int, dict]] = []
    seen_council: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        report.rows += 1
        raw = {(k or "").strip(): v for k, v in raw.items()}
        row = _row(line, raw, report.errors)
        if row is None:
            continue
        for key, seen in (("council_number", seen_council), ("national_code", seen_code)):
            if row[key] in seen:
                report.errors.append(f"line {line}: {key} {row[key]} repeats line "
                                     f"{seen[row[key]]}")
            seen.setdefault(row[key], line)
        rows.append((line, row))
    existing = {p.council_number: p for p in Practitioner.objects.filter(
        council_number__in=seen_council)}
    by_code = dict(Practitioner.objects.filter(national_code__in=seen_code)
                   .values_list("national_code", "council_number"))
    for line, row in rows:
        current = existing.get(row["council_number"])
        if current is not None and current.national_code != row["national_code"]:
            report.errors.append(f"line {line}: council_number {row['council_number']} belongs "
                                 f"to national code {current.national_code}")
        other = by_code.get(row["national_code"])
        if other is not None and other != row["council_number"]:
            report.errors.append(f"line {line}: national code {row['national_code']} already "
                                 f"has council number {other}")
    if report.errors:
        return report
    users = {u.national_code: u for u in User.objects.filter(national_code__in=seen_code)}
    with transaction.atomic():
        for _line, row in rows:
            current = existing.get(row["council_number"])
            user = users.get(row["national_code"])
            if current is None:
                Practitioner.objects.create(user=user, **row)
                report.created.append(f"{row['council_number']} ({row['full_name']}): new, "
                                      f"{row['licence_status']}")
                continue
            changes = [f"{key} {_show(getattr(current, key))} → {_show(row[key])}"
                       for key in TRACKED if getattr(current, key) != row[key]]
            if current.user_id is None and user is not None:
                current.user = user
                changes.append("linked to the user account")
            if not changes:
                report.unchanged += 1
                continue
            for key in TRACKED:
                setattr(current, key, row[key])
            current.save()
            report.changed.append(f"{row['council_number']} ({row['full_name']}): "
                                  + "; ".join(changes))
    return report
