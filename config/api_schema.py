"""The schema's error answers: one `Error` component (the one handler's shape) and, on every
operation, each error status it can answer (drf-spectacular post-processing hook)."""

ERROR = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "a Persian sentence for the user"},
        "code": {"type": "string", "description": "a stable word (README: error codes)"},
        "errors": {"type": "object", "description": "400: the fields at fault, by path",
                   "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "retry_after": {"type": "integer", "description": "429: seconds to wait"},
    },
    "additionalProperties": True,
}
WHY = {
    "400": "bad input: a field, page_size, cursor, Idempotency-Key or If-Match",
    "401": "no valid token or session",
    "403": "this role, facility or person may not",
    "404": "not found, or not visible to the caller",
    "409": "the state forbids it (already dispensed, cancelled, overlap, a pack code reused)",
    "412": "If-Match is not the current version",
    "413": "the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (256 KiB)",
    "422": "the rules refused it, or an Idempotency-Key reused with another body",
    "429": "too many requests; see Retry-After",
    "503": "a dependency (database, cache, SMS gateway) is down; retry later",
}
WRITES = {"post", "put", "patch", "delete"}


def statuses(path: str, method: str, secured: bool) -> list[str]:
    found = ["400", "429", "503"]
    if secured:
        found += ["401", "403", "404"]
    elif "{" in path:
        found.append("404")
    if method in WRITES:
        found += ["409", "413", "422"]
    if method == "patch" and path.endswith("{tracking_code}"):
        found.append("412")
    return sorted(set(found))


def error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            secured = any(requirement for requirement in operation.get("security", [{}]))
            for status in statuses(path, method, secured):
                operation["responses"].setdefault(status, {
                    "description": WHY[status],
                    "content": {"application/json": {"schema": reference}},
                })
    return result
