"""The prescriptions' own refusals, shared by selectors, services and the fulfilment apps
(below all of them: it imports nothing of theirs)."""

from django.utils.translation import gettext as _

from accounts.errors import NotFound


def prescription_missing() -> NotFound:
    """The one answer to a prescription not there or not the asker's to see: the same 404
    either way, so a code's existence is not told to who may not see it."""
    return NotFound(_("نسخه پیدا نشد."))
