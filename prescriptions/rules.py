"""The rules engines (seed 002 §8-6, §8-7, §9-1-4, §9-2-5): insurance and clinical.

Both read their rules from admin-editable tables and answer in one shape, RuleResult.
Run before prescribing and again before dispensing, with that day's prices.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from accounts.jalali import fa_digits
from accounts.models import Membership, Patient
from config.sql import CompiledInRead
from prescriptions import money, rule_cache
from prescriptions.medications import Medication
from prescriptions.models import (
    CatalogItem,
    ClinicalLimit,
    InsuranceRule,
    InteractionRule,
    RuleLevel,
    Tariff,
)


@dataclass(frozen=True)
class RuleResult:
    rule: str
    level: str
    message: str
    items: list[str] = field(default_factory=list)
    # For a result found against the patient's other medicines: which drug and when
    # (`{code, name, source: prescribed|dispensed, date}`), never who prescribed it.
    related: dict | None = None

    def as_dict(self) -> dict:
        data = {"rule": self.rule, "level": self.level, "message": self.message,
                "items": list(self.items)}
        if self.related is not None:
            data["related"] = self.related
        return data


@dataclass(frozen=True)
class Line:
    item: CatalogItem
    quantity: int


@dataclass
class PricedLine:
    line: Line
    covered: bool
    patient_share_percent: int
    split: money.Split
    supplementary_percent: int = 0
    tariff: int | None = None  # the insurer's tariff per unit the split was computed on


@dataclass
class Evaluation:
    results: list[RuleResult]
    lines: list[PricedLine]
    totals: money.Split

    @property
    def rejected(self) -> bool:
        return any(r.level == RuleLevel.REJECT for r in self.results)

    @property
    def has_warnings(self) -> bool:
        return any(r.level == RuleLevel.WARNING for r in self.results)

    def result_dicts(self) -> list[dict]:
        return [r.as_dict() for r in self.results]


def new_rules_tracking_id() -> str:
    return f"R{secrets.randbelow(10**15):015d}"  # 15 random digits, one draw


def _across(lines: list[Line], profile: Sequence[Medication],
            book: RuleBook) -> list[RuleResult]:
    """The new lines against the patient's current medicines: the same drug or class again
    is a warning; an interaction keeps its own level. One result per pair of drugs, naming
    the most recent prescription or dispense of the current one."""
    latest: dict[int, Medication] = {}
    for med in profile:  # newest first
        latest.setdefault(med.item.pk, med)
    pairs = {}
    for rule in book.interactions:
        pairs[(rule.item_a_id, rule.item_b_id)] = rule
        pairs[(rule.item_b_id, rule.item_a_id)] = rule
    results: list[RuleResult] = []
    for line in lines:
        name = line.item.name
        for med in latest.values():
            codes = sorted({line.item.code, med.item.code})
            if med.item.pk == line.item.pk:
                results.append(RuleResult(
                    "clinical.duplicate_therapy", RuleLevel.WARNING,
                    f"تکرار درمان: «{name}» {med.described()}.", codes, med.related()))
            elif line.item.therapeutic_class and (
                    line.item.therapeutic_class == med.item.therapeutic_class):
                results.append(RuleResult(
                    "clinical.duplicate_class", RuleLevel.WARNING,
                    f"«{name}» هم‌گروه داروی فعلی بیمار است: «{med.item.name}» "
                    f"{med.described()}.", codes, med.related()))
            rule = pairs.get((line.item.pk, med.item.pk))
            if rule is not None:
                results.append(RuleResult(
                    "clinical.interaction", rule.level,
                    f"{rule.message} «{med.item.name}» {med.described()}.", codes,
                    med.related()))
    return results


@dataclass
class RuleBook:
    """The rules that concern a set of items, loaded in three queries; reusable across
    prescriptions so a page of twenty costs no more than a page of one."""

    insurance: list[InsuranceRule]
    interactions: list[InteractionRule]
    limits: list[ClinicalLimit]

    @classmethod
    def load(cls, item_ids, other_ids=()) -> RuleBook:
        """Rules for the new items, and interactions between them and `other_ids` (the
        patient's current medicines). From the per-process cache (rule_cache): no query
        once these items have been seen, until an admin changes a rule."""
        ids = set(item_ids)
        if not ids:
            return cls([], [], [])
        every = ids | set(other_ids)
        insurance, interactions, limits = rule_cache.rules_for(ids)
        return cls(insurance,
                   [r for r in interactions if r.item_a_id in every and r.item_b_id in every],
                   limits)

    def insurance_for(self, scheme_id: int | None) -> dict[int, InsuranceRule]:
        """One rule per item: the scheme's own beats the all-schemes one."""
        chosen: dict[int, InsuranceRule] = {}
        for rule in self.insurance:
            if rule.scheme_id not in (None, scheme_id):
                continue
            current = chosen.get(rule.item_id)
            if current is None or (current.scheme_id is None and rule.scheme_id is not None):
                chosen[rule.item_id] = rule
        return chosen


def tariffs_on(items: Sequence[CatalogItem], scheme_id: int | None, day: dt.date
               ) -> dict[int, int]:
    """The tariff per unit in force on `day` for each item in a generic group, by item id;
    one query, none when no item is in a group or the patient is uninsured."""
    groups = {item.pk: item.generic_group_id for item in items if item.generic_group_id}
    if not groups or scheme_id is None:
        return {}
    by_group = {t.group_id: t.amount for t in _tariffs_in_force(
        sorted(set(groups.values())), scheme_id, day)}
    return {pk: by_group[group] for pk, group in groups.items() if group in by_group}


def _tariffs_query(group_ids, scheme_id, day):
    return (Tariff.objects.filter(group_id__in=group_ids, scheme_id=scheme_id,
                                  valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)))


# every priced prescription reads its tariffs: compiled once per number of groups, prepared
_tariffs_in_force = CompiledInRead(
    Tariff, _tariffs_query, lambda i: -900_100 - i, -900_001,
    dt.date(1901, 1, 1),
    adapt=lambda connection, values: (values[0], connection.ops.adapt_datefield_value(
        values[1])))


def evaluate(
    *,
    patient: Patient,
    doctor: Membership | None,
    lines: list[Line],
    scheme_id: int | None,
    patient_share_percent: int,
    day: dt.date,
    book: RuleBook | None = None,
    profile: Sequence[Medication] = (),
    supplementary_percent: int = 0,
    tariffs: dict[int, int] | None = None,
) -> Evaluation:
    """Run both engines over the lines and price them. A constant number of queries.

    `profile` is the patient's current medicines: the clinical rules run over the new
    lines together with them (a duplicate across prescriptions is a warning).
    """
    results: list[RuleResult] = []
    item_ids = [line.item.pk for line in lines]
    insured = scheme_id is not None
    if tariffs is None:  # by generic group, for the scheme on the day (no query without one)
        tariffs = tariffs_on([line.item for line in lines], scheme_id, day)
    book = book if book is not None else RuleBook.load(
        item_ids, [m.item.pk for m in profile])
    rules = book.insurance_for(scheme_id)
    present = set(item_ids)

    # Clinical: duplicates (same item twice is a reject; same therapeutic class a warning).
    seen: dict[int, int] = defaultdict(int)
    for line in lines:
        seen[line.item.pk] += 1
    for line in lines:
        if seen[line.item.pk] > 1:
            results.append(RuleResult("clinical.duplicate_therapy", RuleLevel.REJECT,
                                      f"«{line.item.name}» دو بار در نسخه آمده است.",
                                      [line.item.code]))
            seen[line.item.pk] = 0
    classes: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        if line.item.therapeutic_class:
            codes = classes[line.item.therapeutic_class]
            if line.item.code not in codes:
                codes.append(line.item.code)
    for klass, codes in classes.items():
        if len(codes) > 1:
            results.append(RuleResult("clinical.duplicate_class", RuleLevel.WARNING,
                                      f"چند داروی هم‌گروه ({klass}) در یک نسخه.", codes))

    # Clinical: interactions.
    for rule in book.interactions:
        if rule.item_a_id in present and rule.item_b_id in present:
            results.append(RuleResult("clinical.interaction", rule.level, rule.message,
                                      [rule.item_a.code, rule.item_b.code]))
    results.extend(_across(lines, profile, book))

    # Clinical: age, sex and dose limits.
    age = patient.age_on(day)
    for limit in book.limits:
        for line in lines:
            if line.item.pk != limit.item_id:
                continue
            code = line.item.code
            if limit.min_age is not None and age < limit.min_age:
                results.append(RuleResult(
                    "clinical.age", limit.level, limit.message or
                    f"«{line.item.name}» برای کمتر از {fa_digits(limit.min_age)} سال نیست.",
                    [code]))
            if limit.max_age is not None and age > limit.max_age:
                results.append(RuleResult(
                    "clinical.age", limit.level, limit.message or
                    f"«{line.item.name}» برای بیشتر از {fa_digits(limit.max_age)} سال نیست.",
                    [code]))
            if limit.sex and patient.sex != limit.sex:
                results.append(RuleResult("clinical.sex", limit.level, limit.message or
                               f"«{line.item.name}» برای جنس بیمار تجویز نمی‌شود.", [code]))
            if limit.max_quantity is not None and line.quantity > limit.max_quantity:
                results.append(RuleResult(
                    "clinical.max_dose", limit.level, limit.message or
                    f"مقدار «{line.item.name}» بیش از {fa_digits(limit.max_quantity)} است.",
                    [code]))
            elif limit.max_quantity is not None:
                current = [m for m in profile if m.item.pk == limit.item_id]
                together = line.quantity + sum(m.quantity for m in current)
                if current and together > limit.max_quantity:
                    results.append(RuleResult(
                        "clinical.max_dose", limit.level,
                        f"مجموع «{line.item.name}» با داروهای فعلی بیمار "
                        f"({fa_digits(together)}) بیش از {fa_digits(limit.max_quantity)} است.",
                        [code], current[0].related()))

    # Insurance: limits, specialty, coverage; then the split per line.
    priced: list[PricedLine] = []
    specialty = doctor.specialty if doctor else ""
    for line in lines:
        rule = rules.get(line.item.pk)
        covered = insured
        share = patient_share_percent if insured else 100
        code = line.item.code
        if rule is not None:
            if rule.max_quantity is not None and line.quantity > rule.max_quantity:
                results.append(RuleResult(
                    "insurance.max_quantity", RuleLevel.REJECT,
                    rule.message or f"حداکثر تعداد مجاز «{line.item.name}» در هر نسخه "
                                    f"{fa_digits(rule.max_quantity)} است.", [code]))
            if doctor is not None and rule.specialties and specialty not in rule.specialties:
                results.append(RuleResult(
                    "insurance.specialty", RuleLevel.REJECT,
                    rule.message or f"تجویز «{line.item.name}» برای تخصص شما مجاز نیست.",
                    [code]))
            if not rule.covered and insured:
                covered = False
                results.append(RuleResult(
                    "insurance.not_covered", RuleLevel.INFO,
                    rule.message or f"«{line.item.name}» تحت پوشش بیمه نیست؛ "
                                    "بیمار کل مبلغ را می‌پردازد.", [code]))
            elif rule.patient_share_percent is not None and insured:
                share = rule.patient_share_percent
        if not insured:
            covered = False
        tariff = tariffs.get(line.item.pk) if covered else None
        priced.append(PricedLine(line, covered, share, money.split(
            unit_price=line.item.unit_price, quantity=line.quantity,
            patient_share_percent=share, covered=covered,
            supplementary_percent=supplementary_percent, tariff=tariff),
            supplementary_percent, tariff))
    if not insured and lines:
        results.append(RuleResult("insurance.uninsured", RuleLevel.INFO,
                                  "بیمار بیمه ندارد؛ کل مبلغ را می‌پردازد.", []))
    return Evaluation(results, priced, money.total_of(p.split for p in priced))
