"""The error examples README.md and docs/realtime.md show are what the server answers
(issue 17, defect 5): same keys, and each value of the same JSON type."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from helpers import ack, bid_url, offer

ROOT = Path(__file__).resolve().parent.parent


def documented_bid_too_high(path: str) -> dict[str, Any]:
    """The BID_TOO_HIGH `details` object a document shows."""
    text = (ROOT / path).read_text()
    found = re.search(r'BID_TOO_HIGH"[^\n]*\n?\s*"details": (\{[^}]*\})', text)
    assert found, f"{path} shows no BID_TOO_HIGH example"
    return json.loads(found.group(1))


def json_types(value: dict[str, Any]) -> dict[str, str]:
    """Each key's JSON type (the test client parses numbers with a fraction as Decimal)."""
    return {
        key: "number" if isinstance(item, int | float | Decimal) else type(item).__name__ for key, item in value.items()
    }


@pytest.fixture
def refused_details(client, bearer, auction, provider, rival, make_bid) -> dict[str, Any]:
    make_bid(rival, auction, 1500)
    response = client.post(bid_url(auction), json=offer(1499.5), headers=bearer(provider))
    assert response.status_code == 409
    return response.get_json()["details"]


@pytest.mark.parametrize("path", ["README.md", "docs/realtime.md"])
def test_the_documented_bid_too_high_details_have_the_types_the_server_sends(path, refused_details):
    assert json_types(documented_bid_too_high(path)) == json_types(refused_details)


def test_the_socket_answers_bid_too_high_with_the_same_details_as_rest(
    socket_client, auction, provider, rival, make_bid, refused_details
):
    sock = socket_client(provider)
    answer = ack(sock, "place_bid", {"auction_id": auction.id, **offer(1499.5)})
    assert answer["code"] == "BID_TOO_HIGH" and answer["details"] == refused_details
