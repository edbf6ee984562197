"""Which notifications become outbox rows: by the recipient's mode (instant: pending, digest:
held, off: none), and only for an active account's verified address."""

from __future__ import annotations

from notify_mail_helpers import outbox

from bidbazaar import services
from bidbazaar.extensions import db


def test_an_outbid_writes_a_pending_row_for_the_outbid_provider_and_a_held_one_for_the_creator(
    make_auction, make_bid, buyer, seller, other_seller
):
    auction = make_auction(buyer)
    make_bid(seller, auction, 1800)
    before = outbox()

    make_bid(other_seller, auction, 1700)

    assert outbox()[len(before) :] == [
        ("notification", "held", buyer.id, "new_bid"),
        ("notification", "pending", seller.id, "outbid"),
    ]


def test_an_unverified_provider_is_not_emailed_when_outbid(make_auction, make_bid, make_user, buyer, other_seller):
    unverified = make_user("sunil", provider=True)
    auction = make_auction(buyer)
    make_bid(unverified, auction, 1800)
    before = outbox()

    make_bid(other_seller, auction, 1700)

    assert [row for row in outbox()[len(before) :] if row[2] == unverified.id] == []


def test_an_unverified_creator_gets_no_row_for_new_bids(make_auction, make_bid, customer, seller):
    auction = make_auction(customer)  # the shared customer has not verified the address

    make_bid(seller, auction, 1800)

    assert outbox() == []


def test_a_deactivated_provider_is_not_emailed_when_outbid(make_auction, make_bid, buyer, seller, other_seller):
    auction = make_auction(buyer)
    make_bid(seller, auction, 1800)
    seller.is_active = False
    db.session.commit()
    before = outbox()

    make_bid(other_seller, auction, 1700)

    assert [row for row in outbox()[len(before) :] if row[2] == seller.id] == []


def test_a_type_turned_off_writes_no_row(make_auction, make_bid, buyer, seller, other_seller):
    services.set_preferences(seller, {"outbid": "off"})
    auction = make_auction(buyer)
    make_bid(seller, auction, 1800)
    before = outbox()

    make_bid(other_seller, auction, 1700)

    assert [row for row in outbox()[len(before) :] if row[2] == seller.id] == []


def test_new_bid_set_to_instant_writes_a_pending_row_for_the_creator(make_auction, make_bid, buyer, seller):
    services.set_preferences(buyer, {"new_bid": "instant"})
    auction = make_auction(buyer)

    make_bid(seller, auction, 1800)

    assert outbox() == [("notification", "pending", buyer.id, "new_bid")]
