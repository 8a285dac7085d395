"""The insurer exchange. An insurer listed in INSURER_API_URLS is reached over HTTP exactly
as the contract says; every other is the built-in insurer whose reviewers work in this
site, and which checks each claim on receipt against its own rules as they stood on the
service date. Either way, one answer per claim: accepted, rejected (with a reason code) or
failed (the exchange itself failed, with the reason)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests
from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.jalali import fa_digits
from claims.models import Claim, Connection, Coverage, Insurer


@dataclass(frozen=True)
class Outcome:
    claim_id: int
    status: str  # accepted | rejected | failed
    reason: str = ""
    reason_code: str = ""


def is_remote(insurer: Insurer) -> bool:
    return insurer.code in settings.INSURER_API_URLS


# ---- the built-in insurer ----

REASONS = {
    "scheme_inactive": _("صندوق بیمه در تاریخ خدمت فعال نبوده است."),
    "not_insured": _("بیمار در تاریخ خدمت تحت پوشش این صندوق نبوده است."),
    "not_covered": _("قلم «{code}» تحت پوشش این صندوق نیست."),
    "price_above_tariff": _("قیمت «{code}» بیش از قیمت مصوب روز خدمت است."),
    "quantity_over_ceiling": _("تعداد «{code}» بیش از سقف مجاز است."),
    "specialty_not_allowed": _("تخصص تجویزگر برای «{code}» مجاز نیست."),
    "missing_pack_code": _("کد اصالت «{code}» ثبت نشده است."),
}


def _price_on(item_id: int, code: str, day, current: dict[str, int], history) -> int:
    """The catalog price of the service date: the last change on or before it."""
    changes = [c for c in history if c.item_id == item_id and c.valid_from <= day]
    return max(changes, key=lambda c: c.valid_from).unit_price if changes else current[code]


def builtin_check(claims: list[Claim]) -> list[Outcome]:
    """Accept or reject each claim by this insurer's rules (read by name: the rules are
    prescribing data, and claims/ imports nothing from that app)."""
    catalog_model = apps.get_model("prescriptions", "CatalogItem")
    rule_model = apps.get_model("prescriptions", "InsuranceRule")
    price_model = apps.get_model("prescriptions", "CatalogPrice")
    codes = {line.code for claim in claims for line in claim.lines.all()}
    items = {i.code: i for i in catalog_model.objects.filter(code__in=codes)}
    ids = [i.pk for i in items.values()]
    rules = list(rule_model.objects.filter(item_id__in=ids, active=True))
    history = list(price_model.objects.filter(item_id__in=ids))
    current = {code: item.unit_price for code, item in items.items()}
    covered = set(Coverage.objects.filter(
        patient_id__in={c.patient_id for c in claims},
        scheme_id__in={c.scheme_id for c in claims}).values_list("patient_id", "scheme_id",
                                                                 "valid_from", "valid_to"))
    outcomes = []
    for claim in claims:
        problem = _first_problem(claim, items, rules, history, current, covered)
        if problem is None:
            outcomes.append(Outcome(claim.pk, Claim.Status.ACCEPTED))
        else:
            code, item_code = problem
            outcomes.append(Outcome(claim.pk, Claim.Status.REJECTED,
                                    str(REASONS[code]).format(code=item_code), code))
    return outcomes


def _first_problem(claim, items, rules, history, current, covered):
    day = claim.service_date
    if not claim.scheme.is_active:
        return "scheme_inactive", ""
    insured = any(patient == claim.patient_id and scheme == claim.scheme_id and start <= day
                  and (end is None or end >= day) for patient, scheme, start, end in covered)
    if not insured and not _newborn_covered(claim):
        return "not_insured", ""
    for line in claim.lines.all():
        item = items.get(line.code)
        chosen = _rule_for(rules, item.pk if item else None, claim.scheme_id)
        if chosen is not None and not chosen.covered:
            return "not_covered", line.code
        if item is not None and line.unit_price > _price_on(item.pk, line.code, day, current,
                                                            history):
            return "price_above_tariff", line.code
        if chosen is not None and chosen.max_quantity is not None and (
                line.quantity > chosen.max_quantity):
            return "quantity_over_ceiling", line.code
        allowed = {s.strip() for s in (chosen.allowed_specialties if chosen else "").split(",")
                   if s.strip()}
        if allowed and claim.prescriber_specialty not in allowed:
            return "specialty_not_allowed", line.code
        if line.tracked and not line.uid:
            return "missing_pack_code", line.code
    return None


def _newborn_covered(claim) -> bool:
    """A newborn not yet registered is claimed under the mother's cover (§7-1 note 3)."""
    patient = claim.patient
    if not patient.is_newborn:
        return False
    return Coverage.objects.filter(
        patient_id=patient.mother_id, scheme_id=claim.scheme_id, valid_from__lte=claim.service_date
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=claim.service_date)).exists()


def _rule_for(rules, item_id, scheme_id):
    own = [r for r in rules if r.item_id == item_id and r.scheme_id == scheme_id]
    shared = [r for r in rules if r.item_id == item_id and r.scheme_id is None]
    return (own or shared or [None])[0]


# ---- insurers reached over HTTP ----

def claim_document(claim: Claim) -> dict:
    """The contract's Claim, as it travels to an insurer."""
    from claims.serializers import claim_data

    return claim_data(claim)


class ExchangeFailed(Exception):
    pass


def _post(url: str, *, connection: Connection, body: dict) -> requests.Response:
    """POST with retries and backoff for timeouts, refused connections and 5xx."""
    attempts = settings.INSURER_RETRIES + 1
    for attempt in range(attempts):
        try:
            response = requests.post(
                url, json=body, timeout=settings.INSURER_TIMEOUT_SECONDS,
                auth=(connection.username, connection.password()),
                headers={"X-Terminal": connection.terminal})
        except requests.Timeout:
            problem = _("بیمه‌گر در مهلت پاسخ نداد.")
        except requests.RequestException:
            problem = _("اتصال به بیمه‌گر برقرار نشد.")
        else:
            if response.status_code < 500:
                return response
            problem = _("بیمه‌گر خطای {s} داد.").format(s=fa_digits(response.status_code))
        if attempt + 1 < attempts:
            time.sleep(settings.INSURER_BACKOFF_SECONDS * 2 ** attempt)
    raise ExchangeFailed(problem)


def http_exchange(insurer: Insurer, connection: Connection, claims: list[Claim]
                  ) -> list[Outcome]:
    url = f"{settings.INSURER_API_URLS[insurer.code]}/claims"
    body = {"facility": {"siam_id": connection.facility.siam_id,
                         "name": connection.facility.name},
            "claims": [claim_document(c) for c in claims]}
    try:
        response = _post(url, connection=connection, body=body)
        if response.status_code != 200:
            raise ExchangeFailed(_("بیمه‌گر درخواست را نپذیرفت (کد {s}).").format(
                s=fa_digits(response.status_code)))
        answers = _answers(response)
    except ExchangeFailed as failure:
        return [Outcome(c.pk, Claim.Status.FAILED, str(failure), "exchange") for c in claims]
    outcomes = []
    for claim in claims:
        answer = answers.get(claim.pk)
        if answer is None:
            outcomes.append(Outcome(claim.pk, Claim.Status.FAILED,
                                    _("بیمه‌گر برای این سند پاسخی نداد."), "no_answer"))
        else:
            outcomes.append(Outcome(claim.pk, answer[0], answer[1],
                                    "insurer" if answer[0] == Claim.Status.REJECTED else ""))
    return outcomes


def _answers(response: requests.Response) -> dict[int, tuple[str, str]]:
    """`{results:[{id, status: accepted|rejected, reason?}]}`; anything else is garbage."""
    try:
        body = response.json()
        results = body["results"]
        if not isinstance(results, list):
            raise TypeError
        answers = {}
        for row in results:
            status = row["status"]
            if status not in (Claim.Status.ACCEPTED, Claim.Status.REJECTED) or isinstance(
                    row["id"], bool):
                raise ValueError
            answers[int(row["id"])] = (status, str(row.get("reason") or "")[:300])
        return answers
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ExchangeFailed(_("پاسخ بیمه‌گر قابل خواندن نبود.")) from None


def connection_check(connection: Connection) -> tuple[bool, str]:
    """«بررسی اتصال»: ask the insurer, and say what it answered."""
    insurer = connection.insurer
    if not is_remote(insurer):
        return True, str(_("بیمه‌گر داخلی سامانه است؛ اتصال برقرار است."))
    try:
        response = _post(f"{settings.INSURER_API_URLS[insurer.code]}/claims",
                         connection=connection,
                         body={"facility": {"siam_id": connection.facility.siam_id,
                                            "name": connection.facility.name}, "claims": []})
    except ExchangeFailed as failure:
        return False, str(failure)
    if response.status_code == 200:
        return True, str(_("بیمه‌گر پاسخ داد؛ نام کاربری و رمز پذیرفته شد."))
    if response.status_code in (401, 403):
        return False, str(_("بیمه‌گر نام کاربری، رمز یا ترمینال را نپذیرفت."))
    return False, str(_("بیمه‌گر پاسخ نامعمول {s} داد.").format(
        s=fa_digits(response.status_code)))
