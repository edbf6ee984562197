"""The security checklist's error shape: unknown paths, wrong methods and unexpected
exceptions answer with the one JSON error shape, never a traceback.

Moved verbatim from tests/test_security.py (issue 12)."""

from __future__ import annotations

from typing import Any

from helpers import (
    assert_error,
)

# =========================================================================== error shape


def test_an_unknown_api_path_is_a_json_404(client):
    assert_error(client.get("/api/no-such-thing"), 404, "NOT_FOUND")


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(client):
    response = client.delete("/api/health")

    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_exception_is_a_generic_json_500_without_a_traceback(app, client):
    def explode() -> Any:
        raise RuntimeError("secret internals: /work/main/services.py line 42")

    app.add_url_rule("/api/_explode", "explode", explode)

    response = client.get("/api/_explode")

    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["details"] == {}
