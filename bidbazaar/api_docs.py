"""The API's own documentation: the OpenAPI document and Swagger UI, both served offline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, make_response, render_template, request

from bidbazaar import openapi
from bidbazaar.http_guards import HTML_CSP

docs = Blueprint("api_docs", __name__)


@docs.get("/openapi.json")
def openapi_document() -> Any:
    """The OpenAPI 3.1 document, with this server as its `servers` entry (for Postman)."""
    return jsonify(openapi.build_document(server_url=request.url_root))


@docs.get("/docs")
def api_docs() -> Any:
    """Swagger UI from static/vendor/swagger-ui; no request leaves this server."""
    response = make_response(render_template("api_docs.html"))
    # http_guards gives /api responses no CSP (they are JSON); this one is a page.
    response.headers["Content-Security-Policy"] = HTML_CSP
    return response
