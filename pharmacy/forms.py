"""The counter's dispense form: quantities and one scanned pack code per pack, read into the
API's lines; what was typed is kept to redraw the form after an error."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.errors import Invalid
from accounts.identity import latin_digits
from pharmacy import packs
from prescriptions.models import PrescriptionItem

START_SALT = "dispense-started-at"


@dataclass
class Entered:
    """What the pharmacist typed for one item (strings, as typed)."""

    quantity: str = ""
    codes: list[str] = field(default_factory=list)


def entered_from_post(post, items: list[PrescriptionItem]) -> dict[int, Entered]:
    return {item.pk: Entered(post.get(f"quantity-{item.pk}", ""),
                             [c.strip() for c in post.getlist(f"uid-{item.pk}")][:200])
            for item in items}


def lines_from_entered(entered: dict[int, Entered], items: list[PrescriptionItem]) -> list[dict]:
    lines: list[dict] = []
    for item in items:
        typed = entered.get(item.pk, Entered())
        raw = latin_digits(typed.quantity).strip()
        if raw and not raw.isdecimal():
            raise Invalid(_("تعداد «{name}» باید عدد صحیح باشد.").format(name=item.name))
        quantity = int(raw) if raw else 0
        codes = []
        for code in typed.codes:
            if not code:
                continue
            try:
                codes.append(packs.pack_code_clean(code))
            except ValueError:
                raise Invalid(_("کد اصالت «{c}» باید ۱۶ رقم باشد.").format(c=code[:20]),
                              code="pack_code") from None
        if quantity > 0:
            lines += packs.lines_from_packs(item=item, quantity=quantity, codes=codes)
        elif codes:
            raise Invalid(_("برای «{name}» کد اصالت آمده اما تعداد تحویل صفر است.").format(
                name=item.name), code="pack_count")
    if not lines:
        raise Invalid(_("دست‌کم یک قلم برای تحویل لازم است."))
    return lines


def payment_from_post(post) -> dict | None:
    method = post.get("payment_method", "")
    if not method:
        return None
    return {"method": method, "terminal_id": post.get("terminal_id", ""),
            "reference": post.get("payment_reference", "")}


def started_token() -> str:
    """The page's start time, signed: the counter cannot move it."""
    return signing.dumps(timezone.now().isoformat(), salt=START_SALT)


def started_from_token(token: str):
    try:
        value = signing.loads(token or "", salt=START_SALT,
                              max_age=settings.DISPENSE_MAX_SERVICE_HOURS * 3600)
    except signing.BadSignature:
        return None
    return parse_datetime(value)


@dataclass
class Row:
    """One item on the dispense page: what is left, what was typed, the pack inputs."""

    item: PrescriptionItem
    priced: object
    quantity: str
    codes: list[str]
    pack_size: int | None
    tracked: bool


def rows_for(items: list[PrescriptionItem], by_item: dict, entered: dict[int, Entered]
             ) -> list[Row]:
    rows = []
    for item in items:
        typed = entered.get(item.pk)
        quantity = typed.quantity if typed else str(item.remaining)
        codes = list(typed.codes) if typed else []
        size = item.catalog_item.pack_size
        wanted = latin_digits(quantity).strip()
        needed = (packs.packs_needed(int(wanted), size)
                  if wanted.isdecimal() and int(wanted) > 0 else 0)
        if packs.required_for(item) or codes:
            codes += [""] * max(needed - len(codes), 0)
        rows.append(Row(item, by_item.get(item.pk), quantity, codes, size,
                        packs.required_for(item)))
    return rows
