from helpers import assert_error, auction_payload, count

from bidbazaar.models import Bid


def test_main_flow_with_bearer_tokens(client, customer, provider, rival, bearer):
    r = client.post("/api/auctions", json=auction_payload(), headers=bearer(customer))
    assert r.status_code == 201, r.get_json()
    auction_id = r.get_json()["auction"]["id"]
    r = client.post(
        f"/api/auctions/{auction_id}/bids",
        json={"amount": 1500.5, "description": "Done in 2h"},
        headers=bearer(provider),
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["bid"]["amount"] == 1500.5
    r = client.post(
        f"/api/auctions/{auction_id}/bids", json={"amount": 1500, "description": "x"}, headers=bearer(rival)
    )
    assert_error(r, 409, "BID_TOO_HIGH")
    assert count(Bid) == 1
    r = client.get(f"/api/auctions/{auction_id}")
    assert r.status_code == 200, r.get_json()
    print(r.get_json())
