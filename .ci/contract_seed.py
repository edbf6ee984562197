"""Seed a live server for .ci/contract: a customer with an auction, a provider with a bid on it.

Prints the provider's bearer token on stdout, so Schemathesis can call every operation as a
provider whose ids in paths (auction 1, bid 1, ...) exist. The token is never revoked: the
operations that would end it (logout, a password change) are excluded from that run.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import requests

PASSWORD = "contract-pass-123"


def token(base: str, username: str, provider: bool) -> str:
    """Register `username` and log in: its bearer token."""
    account = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    registered = requests.post(
        f"{base}/api/auth/register", json={**account, "is_service_provider": provider}, timeout=30
    )
    registered.raise_for_status()
    login = requests.post(f"{base}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=30)
    login.raise_for_status()
    return login.json()["access_token"]


def main(base: str) -> None:
    """Create the accounts, an auction and a bid; print the provider's token."""
    customer = {"Authorization": f"Bearer {token(base, 'contract_customer', provider=False)}"}
    provider_token = token(base, "contract_provider", provider=True)
    provider = {"Authorization": f"Bearer {provider_token}"}
    deadline = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    auction = requests.post(
        f"{base}/api/auctions",
        json={
            "title": "Weekly cleaning, 3BHK",
            "description": "Weekly cleaning for a 3-bedroom flat in Andheri West.",
            "category_id": 1,
            "location": "Mumbai, Maharashtra",
            "budget_min": 1000,
            "budget_max": 2000,
            "deadline": deadline,
        },
        headers=customer,
        timeout=30,
    )
    auction.raise_for_status()
    auction_id = auction.json()["auction"]["id"]
    bid = requests.post(
        f"{base}/api/auctions/{auction_id}/bids",
        json={"amount": 1500, "description": "Two cleaners, 3 hours"},
        headers=provider,
        timeout=30,
    )
    bid.raise_for_status()
    print(provider_token)


if __name__ == "__main__":
    main(sys.argv[1])
