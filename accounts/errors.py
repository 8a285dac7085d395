"""Domain errors raised by services; the API and pages map them to answers in one place."""

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra


class Invalid(DomainError):
    status = 400


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RulesRejected(DomainError):
    status = 422
    code = "rules"


class Throttled(DomainError):
    """429: every one says when to come back (`retry_after` seconds, sent as Retry-After)."""

    status = 429
    code = "throttled"
    DEFAULT_RETRY_AFTER = 60

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        extra.setdefault("retry_after", self.DEFAULT_RETRY_AFTER)
        super().__init__(message, code=code, **extra)

    @property
    def retry_after(self) -> int:
        return max(1, int(self.extra["retry_after"]))


class ServiceUnavailable(DomainError):
    status = 503
    code = "unavailable"


class Unverifiable(DomainError):
    """A signature or signed payload that does not verify."""

    status = 422
    code = "signature"


class PreconditionFailed(DomainError):
    """412: an If-Match (or the edit page's version) that is no longer the current one."""

    status = 412
    code = "precondition_failed"
