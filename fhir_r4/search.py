"""FHIR search parameters as the query string carries them: tokens (`system|value`),
references (`Patient/12`), and paging (`_count`, `_offset`). Anything else is a 400: a
parameter we silently ignored would widen a search the client meant to narrow."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.errors import Invalid
from accounts.identity import db_id, latin_digits
from fhir_r4 import identifiers

DEFAULT_COUNT = 50
MAX_COUNT = 200
MAX_OFFSET = 10_000
# Answered the same whatever their value (the format is negotiated in fhir_r4.http).
IGNORED = frozenset({"_format", "_pretty"})


@dataclass(frozen=True)
class Token:
    """`value`, `system|value` or `|value` (no system)."""

    system: str | None  # None: any system; "": only identifiers without one
    value: str

    def ours(self) -> str | None:
        """Which of our systems the token names: None for any system, "" for a foreign one
        (nothing of ours carries it)."""
        if self.system is None:
            return None
        return identifiers.name_of(self.system) or ""


@dataclass(frozen=True)
class Search:
    params: dict[str, str] = field(default_factory=dict)
    count: int = DEFAULT_COUNT
    offset: int = 0

    def token(self, name: str) -> Token | None:
        raw = self.params.get(name)
        if raw is None:
            return None
        system, bar, value = raw.partition("|")
        token = Token(system, value) if bar else Token(None, raw)
        if not token.value.strip():
            raise Invalid(_("مقدار پارامتر «{name}» خالی است.").format(name=name),
                          errors={name: [_("لازم است.")]})
        return Token(token.system, latin_digits(token.value).strip())

    def reference(self, name: str, resource_type: str) -> int | None:
        """The id of `Type/id` (or a bare id): None when the parameter is absent, 0 when
        it cannot name any row (nothing matches); a reference to another type is a 400."""
        raw = self.params.get(name)
        if raw is None:
            return None
        kind, slash, rest = raw.rstrip("/").rpartition("/")
        if slash and kind.rpartition("/")[2] != resource_type:
            raise Invalid(_("پارامتر «{name}» باید به {type} اشاره کند.").format(
                name=name, type=resource_type), errors={name: [_("نامعتبر")]})
        return db_id(rest if slash else raw) or 0

    def has(self, *names: str) -> bool:
        return any(name in self.params for name in names)


def _whole(name: str, raw: str, *, maximum: int) -> int:
    number = db_id(raw) if raw != "0" else 0
    if number is None or number > maximum:
        raise Invalid(_("پارامتر «{name}» باید عددی از ۰ تا {max} باشد.").format(
            name=name, max=maximum), errors={name: [_("نامعتبر")]})
    return number


def search_parse(query, *, allowed: frozenset[str]) -> Search:
    """The search a query string asks for: each parameter once, with one value."""
    params: dict[str, str] = {}
    count, offset = DEFAULT_COUNT, 0
    for name, values in query.lists():
        if name in IGNORED:
            continue
        if name not in allowed and name not in ("_count", "_offset"):
            raise Invalid(_("پارامتر جستجوی «{name}» پشتیبانی نمی‌شود.").format(name=name),
                          code="not_supported", errors={name: [_("پشتیبانی نمی‌شود.")]})
        if len(values) != 1 or "," in values[0]:
            raise Invalid(_("پارامتر «{name}» را یک بار و با یک مقدار بفرستید.").format(
                name=name), code="not_supported", errors={name: [_("یک مقدار")]})
        if name == "_count":
            count = _whole(name, values[0], maximum=MAX_COUNT)
        elif name == "_offset":
            offset = _whole(name, values[0], maximum=MAX_OFFSET)
        else:
            params[name] = values[0]
    return Search(params=params, count=count, offset=offset)
