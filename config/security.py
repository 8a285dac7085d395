"""A Content-Security-Policy on every page: our own scripts only, no third-party origins."""

POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # Bootstrap components and htmx set inline styles; no inline scripts are allowed.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
])
# Nothing is exempt: the API docs use drf-spectacular's split Swagger view (config/urls.py).
EXEMPT_PREFIXES: tuple[str, ...] = ()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
