"""The domain error the rules raise, and the one place it becomes an HTTP answer.

Every /api error is `{"error", "code", "details"}`; pages get an HTML error page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from bidbazaar.extensions import db, log

STATUS_BY_CODE: dict[str, int] = {
    "VALIDATION_ERROR": 400,
    "INVALID_JSON": 400,
    "INVALID_TOKEN": 400,
    "AUTH_REQUIRED": 401,
    "INVALID_CREDENTIALS": 401,
    "CSRF_FAILED": 403,
    "ACCOUNT_DEACTIVATED": 403,
    "FORBIDDEN": 403,
    "NOT_A_PROVIDER": 403,
    "PROVIDER_NOT_VERIFIED": 403,
    "EMAIL_NOT_VERIFIED": 403,
    "SELF_BID": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "USERNAME_TAKEN": 409,
    "EMAIL_TAKEN": 409,
    "AUCTION_CLOSED": 409,
    "AUCTION_LOCKED": 409,
    "ALREADY_LOWEST": 409,
    "BID_TOO_HIGH": 409,
    "CONFIRM_LOW_BID": 409,
    "TOO_MANY_ROOMS": 409,
    "CONFLICT": 409,
    "TOO_MANY_SEARCHES": 409,
    "BOOKING_STATE": 409,
    "BOOKING_EXPIRED": 409,
    "REVIEW_STATE": 409,
    "REVIEW_EXISTS": 409,
    "REVIEW_CLOSED": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
}

CODE_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "AUTH_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


class DomainError(Exception):
    """A rule said no. `code` is machine-readable; the HTTP status follows from it."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}

    @property
    def status(self) -> int:
        return STATUS_BY_CODE[self.code]

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, "details": self.details}


def not_found(what: str = "Resource") -> DomainError:
    return DomainError("NOT_FOUND", f"{what} not found")


def error_response(
    code: str, message: str, details: dict[str, Any] | None = None, status: int | None = None
) -> Response:
    response = jsonify({"error": message, "code": code, "details": details or {}})
    response.status_code = status or STATUS_BY_CODE[code]
    return response


def is_api_request() -> bool:
    """Whether this request is to the JSON API (/api): it gets JSON errors, the pages HTML ones.

    The one test for every door and hook (request guards, login, error handlers).
    """
    return request.path == "/api" or request.path.startswith("/api/")


#: What an error page says instead of the API's message, where that reads oddly on a page.
PAGE_MESSAGES = {"RATE_LIMITED": "Too many requests; retry later."}

#: An error page's <title> and heading: what happened, by status.
PAGE_TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Forbidden",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


def error_page(message: str, status: int, title: str | None = None) -> Response:
    """The HTML error page, titled with what happened (its <title> and its h1)."""
    heading = title or PAGE_TITLES.get(status, "Something went wrong")
    return current_app.make_response((render_template("error.html", message=message, title=heading), status))


def respond(error: DomainError) -> Response:
    """The answer to a refused request: the JSON error under /api, else the HTML error page.

    A rate-limit refusal says when to come back (Retry-After), whichever limit refused it.
    """
    if is_api_request():
        response = error_response(error.code, error.message, error.details)
    else:
        response = error_page(PAGE_MESSAGES.get(error.code, error.message), error.status)
    if error.code == "RATE_LIMITED":
        response.headers["Retry-After"] = str(error.details["retry_after"])
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError) -> Any:
        # A rule said no: whatever the request changed before that must never be committed
        # by a later hook, so the request's unit of work ends here.
        db.session.rollback()
        return respond(exc)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(exc: CSRFError) -> Any:
        if is_api_request():
            return error_response("CSRF_FAILED", "CSRF token missing or invalid", {"csrf": exc.description})
        return error_page("Your form expired; please try again.", 400, title="Form expired")

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException) -> Any:
        if not is_api_request():
            return error_page(exc.description or exc.name, exc.code or 500)
        code = CODE_BY_STATUS.get(exc.code or 500, "INTERNAL_ERROR")
        response = error_response(code, exc.name, {}, status=exc.code)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(exc: OperationalError) -> Any:
        # The database is down, restarting, or SQLite stayed locked past busy_timeout:
        # a retryable 503, never a 500 with a driver message.
        db.session.rollback()
        log.warning("database unavailable: %s", exc.orig)
        if is_api_request():
            response = error_response("SERVICE_UNAVAILABLE", "The service is briefly unavailable; retry shortly")
        else:
            response = error_page("Please retry shortly.", 503)
        response.headers["Retry-After"] = "2"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Any:
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        if is_api_request():
            return error_response("INTERNAL_ERROR", "Internal server error")
        return error_page("Something went wrong.", 500)
