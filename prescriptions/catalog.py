"""Catalog search text: one normalisation for what is stored and what is typed."""

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from accounts.identity import latin_digits
from prescriptions import results_spec

_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "\u200c": " ", "أ": "ا",
                       "إ": "ا", "ـ": None})


def fold(text: str) -> str:
    """Lower-case, Persian letters unified, half-spaces as spaces, digits in ASCII."""
    return " ".join(latin_digits(str(text)).translate(_FOLD).lower().split())


def search_text_for(*, code: str, name_fa: str, name_en: str, synonyms: str = "") -> str:
    """What as-you-type search matches: code, both names and every synonym (brand and
    common names in either script), folded alike."""
    return fold(f"{code} {name_fa} {name_en} {synonyms.replace('|', ' ')}")[:1000]


# ---- bulk import of national lists ----


CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._\-]{0,31}$")
REQUIRED_COLUMNS = {"code", "name_fa", "unit_price"}
OPTIONAL_COLUMNS = {"name_en", "form", "strength", "therapeutic_class", "active", "synonyms",
                    "pack_size", "tracked", "default_days_supply", "loinc", "generic_group",
                    "tariff"}
BOOLEAN = {"1": True, "true": True, "yes": True, "": None, "0": False, "false": False,
           "no": False}


def _whole(text: str) -> int | None:
    value = latin_digits((text or "").strip()).replace(",", "")
    return int(value) if value.isascii() and value.isdigit() else None
BATCH = 2000


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _row_problems(line: int, row: dict, seen: dict[str, int]) -> list[str]:
    problems = []
    code = (row.get("code") or "").strip().upper()
    if not CODE_PATTERN.match(code):
        problems.append(f"line {line}: code {code!r} is not a valid catalog code")
    elif code in seen:
        problems.append(f"line {line}: code {code} repeats line {seen[code]}")
    if not (row.get("name_fa") or "").strip():
        problems.append(f"line {line}: name_fa is empty")
    price = latin_digits((row.get("unit_price") or "").strip()).replace(",", "")
    if not (price.isascii() and price.isdigit()) or int(price) <= 0 or int(price) > 10**13:
        problems.append(f"line {line}: unit_price {row.get('unit_price')!r} is not a positive "
                        "whole number of Rials")
    for column in ("active", "tracked"):
        value = (row.get(column) or "").strip().lower()
        if value not in BOOLEAN:
            problems.append(f"line {line}: {column} {value!r} is not a boolean")
    for column, ceiling in (("pack_size", 100_000), ("default_days_supply", 3650)):
        raw = (row.get(column) or "").strip()
        number = _whole(raw)
        if raw and (number is None or not 0 < number <= ceiling):
            problems.append(f"line {line}: {column} {raw!r} is not a whole number from 1 "
                            f"to {ceiling}")
    for name in ("name_fa", "name_en"):
        if len(row.get(name) or "") > 200:
            problems.append(f"line {line}: {name} is longer than 200 characters")
    if len(row.get("synonyms") or "") > 500:
        problems.append(f"line {line}: synonyms is longer than 500 characters")
    group = (row.get("generic_group") or "").strip().upper()
    if group and not CODE_PATTERN.match(group):
        problems.append(f"line {line}: generic_group {group!r} is not a valid group code")
    tariff = latin_digits((row.get("tariff") or "").strip()).replace(",", "")
    if tariff and (not (tariff.isascii() and tariff.isdigit()) or not 0 < int(tariff) <= 10**13):
        problems.append(f"line {line}: tariff {row.get('tariff')!r} is not a positive whole "
                        "number of Rials")
    if tariff and not group:
        problems.append(f"line {line}: a tariff needs its generic_group")
    loinc = (row.get("loinc") or "").strip()
    if loinc and not results_spec.loinc_ok(loinc):
        problems.append(f"line {line}: loinc {loinc!r} is not a LOINC code (digits, a dash and "
                        "its check digit, e.g. 1558-6)")
    return problems


def catalog_import(lines: Iterable[str], *, kind: str,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """Validate every row first; import nothing if any row is bad; then upsert by code."""
    from django.db import transaction

    from prescriptions.models import CatalogItem

    report = ImportReport()
    reader = csv.DictReader(lines)
    columns = {c.strip() for c in (reader.fieldnames or [])}
    missing = REQUIRED_COLUMNS - columns
    if missing:
        report.errors.append(f"line 1: missing columns {', '.join(sorted(missing))}")
        return report
    seen: dict[str, int] = {}
    parsed: list[CatalogItem] = []
    grouped: list[tuple[str, str, int | None]] = []  # (item code, group code, tariff)
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        report.rows += 1
        problems = _row_problems(line, row, seen)
        code = row["code"].strip().upper()
        seen.setdefault(code, line)
        if problems:
            report.errors.extend(problems)
            continue
        if (row.get("generic_group") or "").strip():
            grouped.append((code, row["generic_group"].strip().upper(),
                            _whole(latin_digits(row.get("tariff", "").strip()).replace(",", ""))))
        name_fa, name_en = row["name_fa"].strip(), row.get("name_en", "").strip()
        synonyms = "|".join(part.strip() for part in row.get("synonyms", "").split("|")
                            if part.strip())
        tracked = BOOLEAN[row.get("tracked", "").strip().lower()]
        parsed.append(CatalogItem(
            kind=kind, code=code, name_fa=name_fa, name_en=name_en,
            form=row.get("form", "").strip()[:50], strength=row.get("strength", "").strip()[:50],
            therapeutic_class=row.get("therapeutic_class", "").strip()[:50],
            synonyms=synonyms, unit_price=_whole(row["unit_price"]),
            pack_size=_whole(row.get("pack_size", "")),
            ttac_tracked=(kind == "drug") if tracked is None else tracked,
            default_days_supply=_whole(row.get("default_days_supply", "")),
            loinc=row.get("loinc", "").strip(),
            active=BOOLEAN[row.get("active", "").strip().lower()] is not False,
            search_text=search_text_for(code=code, name_fa=name_fa, name_en=name_en,
                                        synonyms=synonyms),
        ))
    other_kind = (CatalogItem.objects.filter(code__in=seen.keys()).exclude(kind=kind)
                  .values_list("code", flat=True))
    for code in other_kind:
        report.errors.append(f"line {seen[code]}: code {code} exists with another kind")
    if report.errors:
        return report
    groups = {row_code: (group, tariff) for row_code, group, tariff in grouped}
    before = dict(CatalogItem.objects.filter(code__in=seen.keys())
                  .values_list("code", "unit_price"))
    existing = set(before)
    with transaction.atomic():
        for start in range(0, len(parsed), BATCH):
            CatalogItem.objects.bulk_create(
                parsed[start:start + BATCH], update_conflicts=True, unique_fields=["code"],
                update_fields=["name_fa", "name_en", "form", "strength", "therapeutic_class",
                               "synonyms", "unit_price", "pack_size", "ttac_tracked",
                               "default_days_supply", "active", "search_text",
                               # a file without the column leaves the codes as they are
                               *(["loinc"] if "loinc" in columns else [])],
            )
            if progress:
                progress(min(start + BATCH, len(parsed)))
        changed = {item.code: item.unit_price for item in parsed
                   if item.code in before and before[item.code] != item.unit_price}
        prices_record(changed, before)
        if groups:
            groups_record(groups)
    _refresh_statistics(CatalogItem._meta.db_table)
    report.updated = len(existing)
    report.created = len(parsed) - report.updated
    return report


def groups_record(groups: dict[str, tuple[str, int | None]]) -> None:
    """Put the items in their generic groups; a group's tariff, when given, applies to every
    basic scheme from today (the tariff it replaces ends yesterday: periods never overlap)."""
    import datetime as dt

    from django.utils import timezone

    from claims.models import Scheme
    from prescriptions.models import CatalogItem, GenericGroup, Tariff

    today = timezone.localdate()
    made = {code: GenericGroup.objects.get_or_create(code=code)[0]
            for code in {group for group, _tariff in groups.values()}}
    for item_code, (group, _tariff) in groups.items():
        CatalogItem.objects.filter(code=item_code).update(generic_group=made[group])
    tariffs = {group: tariff for group, tariff in groups.values() if tariff}
    schemes = list(Scheme.objects.filter(kind=Scheme.Kind.BASIC))
    for group, amount in tariffs.items():
        for scheme in schemes:
            current = (Tariff.objects.select_for_update()
                       .filter(group=made[group], scheme=scheme, valid_from__lte=today)
                       .filter(valid_to__isnull=True).first())
            if current is not None and current.amount == amount:
                continue
            if current is not None:
                if current.valid_from == today:
                    current.amount = amount
                    current.save(update_fields=["amount"])
                    continue
                current.valid_to = today - dt.timedelta(days=1)
                current.save(update_fields=["valid_to"])
            Tariff.objects.create(group=made[group], scheme=scheme, amount=amount,
                                  valid_from=today)


def prices_record(changed: dict[str, int], before: dict[str, int]) -> None:
    """Keep the history of changed prices (the old one from the beginning, if no history
    was kept yet, and the new one from today): claims are checked at their day's price."""
    import datetime as dt

    from django.utils import timezone

    from prescriptions.models import CatalogItem, CatalogPrice

    if not changed:
        return
    today = timezone.localdate()
    ids = dict(CatalogItem.objects.filter(code__in=changed).values_list("code", "pk"))
    with_history = set(CatalogPrice.objects.filter(item_id__in=ids.values())
                       .values_list("item_id", flat=True))
    rows = [CatalogPrice(item_id=ids[code], unit_price=before[code], valid_from=dt.date(1900, 1, 1))
            for code in changed if ids[code] not in with_history]
    CatalogPrice.objects.bulk_create(rows, ignore_conflicts=True)
    CatalogPrice.objects.bulk_create(
        [CatalogPrice(item_id=ids[code], unit_price=price, valid_from=today)
         for code, price in changed.items()],
        update_conflicts=True, unique_fields=["item", "valid_from"], update_fields=["unit_price"])


def _refresh_statistics(table: str) -> None:
    """After a bulk load, let PostgreSQL's planner know the table grew (so the trigram
    index is chosen for as-you-type search instead of scanning every drug)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{table}"')


def prices_on(item_ids, day) -> dict[int, int]:
    """Each item's price on `day` (the last change on or before it), for the items whose
    price history says; items without history keep their current price."""
    from prescriptions.models import CatalogPrice

    prices: dict[int, int] = {}
    for change in (CatalogPrice.objects.filter(item_id__in=list(item_ids), valid_from__lte=day)
                   .order_by("item_id", "valid_from")):
        prices[change.item_id] = change.unit_price  # ordered: the latest one stays
    return prices
