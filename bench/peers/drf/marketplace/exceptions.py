"""One error shape for every 4xx: {"error": message, "code": CODE, "details": {...}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler


class BidRefused(exceptions.APIException):
    """A bid the auction's rules refuse: its HTTP status, a stable code and a message."""

    def __init__(self, status_code: int, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.code = code
        self.details = details or {}


#: The codes of the exceptions clients meet (Bid Bazaar's names); any other is its default_code upper-cased.
CODES: list[tuple[type[Exception], str]] = [
    (exceptions.ValidationError, "VALIDATION_ERROR"),
    (exceptions.ParseError, "INVALID_JSON"),
    (exceptions.NotAuthenticated, "UNAUTHORIZED"),
    (exceptions.AuthenticationFailed, "UNAUTHORIZED"),
    (exceptions.PermissionDenied, "FORBIDDEN"),
    (PermissionDenied, "FORBIDDEN"),
    (exceptions.NotFound, "NOT_FOUND"),
    (Http404, "NOT_FOUND"),
]


def api_exception_handler(exc: Exception, context: dict[str, Any]):
    """DRF's handler (status, headers such as WWW-Authenticate), with the body reshaped."""
    response = exception_handler(exc, context)
    if response is None:  # not an API error: Django answers 500 and logs the traceback
        return None
    details: Any = {}
    if isinstance(exc, BidRefused):
        code, message, details = exc.code, str(exc.detail), exc.details
    elif isinstance(exc, exceptions.ValidationError):
        code, message = "VALIDATION_ERROR", "Invalid input."
        details = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
    else:
        code = next((code for kind, code in CODES if isinstance(exc, kind)), None)
        if code is None:
            code = str(getattr(exc, "default_code", "error")).upper()
        message = str(response.data.get("detail", "")) if isinstance(response.data, dict) else str(response.data)
    response.data = {"error": message, "code": code, "details": details}
    return response


def _error(message: str, code: str, status_code: int) -> JsonResponse:
    return JsonResponse({"error": message, "code": code, "details": {}}, status=status_code)


def not_found(request, exception=None):
    """handler404: unknown URLs answer in the API's shape, not Django's HTML page."""
    return _error("Not found.", "NOT_FOUND", status.HTTP_404_NOT_FOUND)


def server_error(request):
    """handler500: the traceback is in the log (settings.LOGGING), the client gets JSON."""
    return _error("Server error.", "SERVER_ERROR", status.HTTP_500_INTERNAL_SERVER_ERROR)
