"""Optimistic concurrency for versioned records (RFC 9110 §13.1.1): `ETag: "v<version>"`
on reads, `If-Match` on writes. A write whose If-Match names no current version is 412 and
changes nothing; the version is compared under the row's lock, in the service."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from accounts.errors import Invalid

HEADER = "If-Match"
OURS = re.compile(r'^"v(0|[1-9][0-9]{0,8})"$')  # compared as text: "v01" is not "v1"
TAG = re.compile(r'^(W/)?"[\x21\x23-\x7e]{0,62}"$')  # any entity-tag (RFC 9110 §8.8.3)
ANY = "*"


def etag(version: int) -> str:
    return f'"v{int(version)}"'


def expected_version(request) -> list[int] | None:
    """The versions If-Match allows: None when absent or `*` (any current one); a list of
    version numbers otherwise. Weak tags and tags not ours match nothing (strong
    comparison); a header that is not a list of entity-tags is a 400."""
    raw = request.headers.get(HEADER)
    if raw is None or raw.strip() == ANY:
        return None
    versions: list[int] = []
    tags = [tag.strip() for tag in raw.split(",")]
    for tag in tags:
        ours = OURS.match(tag)
        if ours:
            versions.append(int(ours.group(1)))
        elif not TAG.match(tag):  # a tag that is not ours (or weak) just matches nothing
            message = _('If-Match باید برچسب نسخه‌ای مانند "v3" باشد.')
            raise Invalid(message, code="if_match", errors={HEADER: [message]})
    if not tags or len(tags) > 20:
        message = _('If-Match باید برچسب نسخه‌ای مانند "v3" باشد.')
        raise Invalid(message, code="if_match", errors={HEADER: [message]})
    return versions
