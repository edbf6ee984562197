"""The OpenAPI document and docs/realtime.md against the code they describe.

The document must name exactly the /api routes of app.url_map, validate as OpenAPI 3.1 and
derive its request bodies from the forms; the Socket.IO contract must name exactly the
handlers socket_events.py registers and the events the services publish.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import error_variants
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from werkzeug.datastructures import MultiDict

from bidbazaar import api_docs, forms, models, openapi
from bidbazaar.errors import STATUS_BY_CODE
from bidbazaar.models import utcnow
from bidbazaar.openapi import responses
from bidbazaar.openapi.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parent.parent
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def flask_path(rule: str) -> str:
    """/api/auctions/<int:auction_id> -> /api/auctions/{auction_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def url_map_operations(app) -> dict[tuple[str, str], str]:
    operations = {}
    for rule in app.url_map.iter_rules():
        if not (rule.rule == "/api" or rule.rule.startswith("/api/")):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations[(method.lower(), flask_path(rule.rule))] = rule.endpoint
    return operations


def document_operations(document) -> dict[tuple[str, str], dict]:
    return {
        (method, path): op
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data())  # as a client reads it: numbers as floats


# --------------------------------------------------------------------------- routes


def test_every_api_route_is_documented(app):
    documented = set(document_operations(openapi.build_document()))
    missing = sorted(set(url_map_operations(app)) - documented)
    assert not missing, f"routes under /api missing from openapi/paths.py: {missing}"


def test_the_document_names_no_route_that_does_not_exist(app):
    existing = set(url_map_operations(app))
    phantom = sorted(set(document_operations(openapi.build_document())) - existing)
    assert not phantom, f"openapi/paths.py documents routes the app does not have: {phantom}"


def test_operation_ids_are_the_flask_endpoint_names(app):
    endpoints = url_map_operations(app)
    for key, op in document_operations(openapi.build_document()).items():
        assert op["operationId"] == endpoints[key].rsplit(".", 1)[-1], key


def test_path_parameters_match_the_route_variables():
    for (method, path), op in document_operations(openapi.build_document()).items():
        in_path = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert in_path == declared, (method, path)


# --------------------------------------------------------------------------- validity and serving


def test_the_served_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)  # raises on any violation


def test_the_served_document_points_at_this_server(document):
    assert document["servers"] == [{"url": "http://localhost", "description": "This server"}]
    built = openapi.build_document()
    assert "servers" not in built
    assert document["paths"].keys() == built["paths"].keys()


def test_the_served_document_is_rendered_once_per_server_and_example_hour(app, client, time_machine):
    first = client.get("/api/openapi.json")
    again = client.get("/api/openapi.json")
    assert (again.get_data(), again.headers["Content-Type"]) == (first.get_data(), first.headers["Content-Type"])

    time_machine.move_to(utcnow() + timedelta(days=1))
    later = json.loads(client.get("/api/openapi.json").get_data())
    assert later["components"]["schemas"]["AuctionCreate"]["examples"][0]["deadline"] == openapi.example_deadline()
    other = json.loads(client.get("/api/openapi.json", base_url="http://docs.example").get_data())
    assert other["servers"][0]["url"] == "http://docs.example"

    for n in range(2 * api_docs.CACHED_DOCUMENTS):  # the Host header is the client's to choose
        client.get("/api/openapi.json", base_url=f"http://host{n}.example")
    assert len(app.extensions["api_docs.openapi"]) <= api_docs.CACHED_DOCUMENTS


def test_every_operation_documents_its_errors_with_the_error_schema():
    error_schema = openapi.build_document()["components"]["schemas"]["Error"]
    assert error_schema["required"] == ["error", "code", "details"]
    assert set(error_schema["properties"]) == {"error", "code", "details"}
    for (method, path), op in document_operations(openapi.build_document()).items():
        statuses = set(op["responses"])
        assert {"500", "503"} <= statuses, (method, path)
        if op["security"] != openapi.ANONYMOUS:
            assert "401" in statuses, (method, path)
        if method in ("post", "put", "delete"):
            assert "415" in statuses, (method, path)
        if "requestBody" in op:
            assert {"400", "413"} <= statuses, (method, path)
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert "404" in statuses, (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400 and path != "/api/health":
                schema = response["content"]["application/json"]["schema"]
                for variant in schema.get("oneOf", [schema]):
                    assert variant["allOf"][0] == openapi.ref("Error"), (method, path, status)
                for codes, _ in error_variants(schema):
                    for code in codes:
                        assert STATUS_BY_CODE[code] == int(status), (method, path, status, code)


def test_a_429_is_documented_exactly_where_the_limiter_can_answer_one(config, request, time_machine):
    """The health probe is exempt from every limit; the document listed a 429 for it all the same."""
    time_machine.move_to(utcnow().replace(second=1), tick=False)  # both windows within one minute
    config.RATELIMIT_ENABLED, config.DEFAULT_RATE_LIMIT = True, "1 per minute"  # before the app is built
    client = request.getfixturevalue("client")

    health = {client.get("/api/health").status_code for _ in range(3)}
    categories = [client.get("/api/categories").status_code for _ in range(2)]

    assert 429 not in health and categories == [200, 429]
    for (method, path), op in document_operations(openapi.build_document()).items():
        assert ("429" in op["responses"]) == (path != "/api/health"), (method, path)


def test_the_error_code_enum_is_every_code_errors_py_knows():
    enum = openapi.build_document()["components"]["schemas"]["ErrorCode"]["enum"]
    assert enum == list(STATUS_BY_CODE)


def test_both_security_schemes_are_declared():
    schemes = openapi.build_document()["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["cookieSession"]["in"] == "cookie"
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    writes = [op for (m, _), op in document_operations(openapi.build_document()).items() if m != "get"]
    for op in writes:
        for requirement in op["security"]:
            assert "cookieSession" not in requirement or "csrfToken" in requirement, op["operationId"]


def test_swagger_ui_is_served_offline(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html and "http" not in html  # no inline script, nothing fetched from elsewhere
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert client.get(asset).status_code == 200, asset
    assert 'data-spec-url="/api/openapi.json"' in html


# --------------------------------------------------------------------------- forms -> schemas


FORM_BODIES = {
    "RegisterRequest": (forms.RegisterForm, False),
    "LoginRequest": (forms.LoginForm, False),
    "ProfileUpdate": (forms.ProfileForm, True),
    "AuctionCreate": (forms.AuctionForm, False),
    "AuctionUpdate": (forms.AuctionForm, True),
    "BidCreate": (forms.BidForm, False),
    "AwardRequest": (forms.AwardForm, False),
    "CategoryCreate": (forms.CategoryForm, False),
    "CategoryUpdate": (forms.CategoryForm, True),
    "NotificationsRead": (forms.NotificationsReadForm, False),
}
JSON_TYPE_NAMES = {
    "a string": "string",
    "a number": "number",
    "an integer": "integer",
    "a boolean": "boolean",
    "a list": "array",
}


@pytest.mark.parametrize("component", sorted(FORM_BODIES))
def test_request_bodies_follow_the_forms(app, component):
    """Fields, JSON types and required fields agree with what forms.parse_json_form checks."""
    form_cls, partial = FORM_BODIES[component]
    schema = openapi.build_document()["components"]["schemas"][component]
    with app.test_request_context():
        form = form_cls(formdata=MultiDict(), meta={"csrf": False})
    assert list(schema["properties"]) == list(form._fields)
    assert schema["additionalProperties"] is False
    for name, field in form._fields.items():
        prop = schema["properties"][name]
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        expected = JSON_TYPE_NAMES[forms.json_type_name(forms.accepted_json_types(type(field)))]
        assert expected in types, (component, name)
        assert ("null" in types) == (not forms.is_required(field.validators)), (component, name)
    required = [] if partial else [n for n, f in form._fields.items() if forms.is_required(f.validators)]
    assert schema.get("required", []) == required


def test_validation_bounds_come_from_the_forms():
    schemas = openapi.build_document()["components"]["schemas"]
    auction = schemas["AuctionCreate"]["properties"]
    # Stripped text: the length of what is left once stripped (5 to 200) lives in the pattern.
    assert auction["title"]["minLength"] == 5 and "{3,198}" in auction["title"]["pattern"]
    assert auction["budget_max"]["maximum"] == float(forms.MAX_MONEY)
    assert auction["deadline"]["format"] == "date-time"
    register = schemas["RegisterRequest"]["properties"]
    assert register["username"]["pattern"] == forms.USERNAME[2].regex.pattern
    assert register["email"]["format"] == "email"
    params = {p["name"]: p for p in openapi.query_parameters(forms.AuctionSearchForm)}
    assert params["sort"]["schema"]["enum"] == forms.SORT_CHOICES
    assert params["status"]["schema"]["enum"] == ["", *forms.STATUS_CHOICES]


def test_the_documented_deadline_limit_is_the_one_the_rules_enforce(client, customer, bearer):
    days = forms.MAX_AUCTION_LENGTH.days
    create = openapi.build_document()["components"]["schemas"]["AuctionCreate"]
    assert f"at most {days} days ahead" in create["description"]
    too_far = (utcnow() + timedelta(days=days + 1)).isoformat()

    response = client.post(
        "/api/auctions", json={**create["examples"][0], "deadline": too_far}, headers=bearer(customer)
    )

    assert response.status_code == 400
    assert response.get_json()["details"]["deadline"] == f"Must be within {days} days."


# --------------------------------------------------------------------------- serialisers -> schemas


@pytest.mark.parametrize(
    ("component", "view"),
    [
        ("UserPublic", "user_public"),
        ("UserPrivate", "user_private"),
        ("Category", "category"),
        ("Auction", "auction"),
        ("BidPublic", "bid_public"),
        ("Notification", "notification"),
    ],
)
def test_response_schemas_name_exactly_the_serialisers_keys(component, view):
    schema = openapi.build_document()["components"]["schemas"][component]
    assert list(schema["properties"]) == list(responses.serialised_keys()[view])
    assert schema["required"] == list(schema["properties"]) and schema["additionalProperties"] is False


def test_the_full_bid_view_is_the_public_one_and_the_rest_of_the_bidders_view():
    schemas = openapi.build_document()["components"]["schemas"]
    full, public = schemas["BidFull"]["properties"], schemas["BidPublic"]["properties"]
    # The auction's creator also gets each bidder's reputation beside the bid (queries.details).
    assert set(full) == set(responses.serialised_keys()["bid_full"]) | {"reputation"}
    assert set(schemas["BidFull"]["required"]) == set(responses.serialised_keys()["bid_full"])
    assert list(full)[: len(public)] == list(public)


def test_a_column_a_serialiser_starts_returning_is_documented_by_itself(monkeypatch):
    def summary_with_scheduled_deadline(source, category_name, viewer):
        return {**auction_summary(source, category_name, viewer), "scheduled_deadline": None}

    auction_summary = models.auction_summary
    monkeypatch.setattr(models, "auction_summary", summary_with_scheduled_deadline)

    auction = openapi.build_document()["components"]["schemas"]["Auction"]
    assert auction["properties"]["scheduled_deadline"] == responses.TIMESTAMP
    assert "scheduled_deadline" in auction["required"]


def test_a_computed_key_without_a_schema_stops_the_document(monkeypatch):
    def summary_with_surprise(source, category_name, viewer):
        return {**auction_summary(source, category_name, viewer), "surprise": True}

    auction_summary = models.auction_summary
    monkeypatch.setattr(models, "auction_summary", summary_with_surprise)

    with pytest.raises(KeyError, match=r"surprise.*VIEW_EXTRAS"):
        openapi.build_document()


# --------------------------------------------------------------------------- Socket.IO contract


REALTIME_DOC = ROOT / "docs" / "realtime.md"


def documented_events() -> tuple[set[str], set[str]]:
    """(client -> server events, server -> client events) named in docs/realtime.md."""
    client_events: set[str] = set()
    server_events: set[str] = set()
    section = None
    for line in REALTIME_DOC.read_text().splitlines():
        if line.startswith("## "):
            section = "client" if "Client → server" in line else "server" if "Server →" in line else None
        elif section == "client" and (match := re.match(r"^### `(\w+)`", line)):
            client_events.add(match.group(1))
        elif section == "server" and (match := re.match(r"^\| ((?:`\w+`(?:, )?)+) \|", line)):
            server_events.update(re.findall(r"`(\w+)`", match.group(1)))
    return client_events, server_events


def registered_handlers() -> set[str]:
    """The `on_*` handlers of socket_events.py's Namespace class (connect/disconnect are not events)."""
    tree = ast.parse((ROOT / "bidbazaar" / "socket_events.py").read_text())
    handlers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, (ast.Name, ast.Attribute)) and ast.unparse(base).endswith("Namespace")
            for base in node.bases
        ):
            handlers |= {f.name[3:] for f in node.body if isinstance(f, ast.FunctionDef) and f.name.startswith("on_")}
    return handlers - {"connect", "disconnect"}


def published_events() -> set[str]:
    """Event names passed as literals to realtime.publish / emit in the app's modules, and the
    room events: ledger.broadcast sends each logged type (but auction_created, logged before
    anyone can join) under its own name."""
    names = set()
    for module in (ROOT / "bidbazaar").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.Call):
                continue
            if ast.unparse(node.func).rsplit(".", 1)[-1] not in ("publish", "emit"):
                continue
            if node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
    return names | (set(EVENT_TYPES) - {"auction_created"})


def test_the_realtime_doc_parses():
    client_events, server_events = documented_events()
    assert {"join_auction", "place_bid"} <= client_events
    assert {"bid_placed", "notification"} <= server_events


def test_every_socket_handler_is_documented_and_every_documented_client_event_is_handled():
    client_events, _ = documented_events()
    handlers = registered_handlers()
    assert handlers, "no on_* handlers found in socket_events.py"
    assert not handlers - client_events, f"handlers missing from docs/realtime.md: {handlers - client_events}"
    assert not client_events - handlers, f"documented events without a handler: {client_events - handlers}"


def test_every_published_event_is_documented_and_every_documented_server_event_is_published():
    _, server_events = documented_events()
    published = published_events()
    assert "notification" in published, "no realtime.publish calls found"
    assert not published - server_events, f"events missing from docs/realtime.md: {published - server_events}"
    assert not server_events - published, f"documented events nobody emits: {server_events - published}"


def test_the_handlers_found_by_reading_the_source_are_the_ones_registered(app):
    """The AST reading above agrees with what Flask-SocketIO really has registered."""
    from bidbazaar import realtime
    from bidbazaar.extensions import socketio

    namespace = socketio.server.namespace_handlers[realtime.NAMESPACE]
    live = {name[3:] for name in dir(namespace) if name.startswith("on_")} - {"connect", "disconnect", "event"}
    assert live == registered_handlers()
