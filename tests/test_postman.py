"""The committed Postman collection runs as imported (issue 17, defect 1).

clients/postman/build.js generates it and .ci/client-postman runs it with newman against a
live server; these checks read the committed file, so a hand edit or a converter change that
brings back per-request auth, an undefined variable or a placeholder body fails here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = json.loads((ROOT / "clients/postman/bid-bazaar.postman_collection.json").read_text())
PLACEHOLDER = re.compile(r"<(string|integer|number|boolean|dateTime|date|long|float|double)[^>]*>")
DYNAMIC = {"$guid"}  # Postman's own variables


def requests(items: list[dict[str, Any]] = COLLECTION["item"]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "item" in item:
            yield from requests(item["item"])
        else:
            yield item


def script(item: dict[str, Any], listen: str) -> str:
    return "\n".join(
        line for event in item.get("event", []) if event["listen"] == listen for line in event["script"]["exec"]
    )


def test_the_collection_authenticates_with_the_bearer_token_variable():
    assert COLLECTION["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{bearerToken}}", "type": "string"}],
    }


def test_every_request_inherits_the_collection_auth():
    assert [item["name"] for item in requests() if "auth" in item["request"]] == []


def test_every_variable_a_request_uses_is_defined_or_set_by_a_script():
    defined = {variable["key"] for variable in COLLECTION["variable"]}
    used = set(re.findall(r"{{([^{}]+)}}", json.dumps(COLLECTION["item"]))) - DYNAMIC
    assert used - defined == set()
    assert {"baseUrl", "bearerToken", "deadline"} <= defined


def test_no_request_sends_a_type_placeholder():
    sent = [item["request"] for item in requests()]
    assert PLACEHOLDER.findall(json.dumps(sent)) == []


def test_the_first_log_in_stores_the_access_token_as_the_bearer_token():
    log_in = next(item for item in requests() if item["request"]["url"]["path"] == ["api", "auth", "login"])
    assert "pm.collectionVariables.set('bearerToken', token)" in script(log_in, "test")
    assert "access_token" in script(log_in, "test")


def test_the_run_registers_and_logs_in_before_anything_needs_a_token_and_logs_out_last():
    paths = ["/".join(item["request"]["url"]["path"]) for item in requests()]
    assert paths.index("api/auth/register") < paths.index("api/auth/login") < paths.index("api/auctions")
    assert paths[-1] == "api/auth/logout"


def test_the_auction_deadline_is_a_variable_a_pre_request_script_keeps_a_week_ahead():
    create = next(
        item
        for item in requests()
        if item["request"]["method"] == "POST" and item["request"]["url"]["path"] == ["api", "auctions"]
    )
    assert json.loads(create["request"]["body"]["raw"])["deadline"] == "{{deadline}}"
    assert "7 * 24 * 3600 * 1000" in script(COLLECTION, "prerequest")


def test_every_path_id_is_chained_from_an_earlier_answer():
    variables = [variable for item in requests() for variable in item["request"]["url"].get("variable", [])]
    assert variables
    assert [v["key"] for v in variables if v["value"] != "{{" + v["key"] + "}}"] == []
