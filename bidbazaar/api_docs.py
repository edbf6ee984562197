"""The API's own documentation: the OpenAPI document and Swagger UI, both served offline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, make_response, render_template, request

from bidbazaar import openapi
from bidbazaar.http_guards import HTML_CSP

docs = Blueprint("api_docs", __name__)


#: Rendered documents kept per app; the key takes the Host header, so the cache is bounded.
CACHED_DOCUMENTS = 8


@docs.get("/openapi.json")
def openapi_document() -> Any:
    """The OpenAPI 3.1 document, with this server as its `servers` entry (for Postman)."""
    # The document is a function of the server's URL and the hour its example deadline
    # names: building it (reading every form and serialiser) costs more than the rest of the
    # request, so each app renders it once per key.
    key = (request.url_root, openapi.example_deadline(), current_app.debug)
    rendered: dict[tuple[str, str, bool], bytes] = current_app.extensions.setdefault("api_docs.openapi", {})
    body = rendered.get(key)
    if body is None:
        if len(rendered) >= CACHED_DOCUMENTS:
            rendered.clear()
        body = rendered[key] = jsonify(openapi.build_document(server_url=key[0])).get_data()
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


@docs.get("/docs")
def api_docs() -> Any:
    """Swagger UI from static/vendor/swagger-ui; no request leaves this server."""
    response = make_response(render_template("api_docs.html"))
    # http_guards gives /api responses no CSP (they are JSON); this one is a page.
    response.headers["Content-Security-Policy"] = HTML_CSP
    return response
