from datetime import timedelta

from bidbazaar import services
from bidbazaar.booking_models import Booking, Review
from bidbazaar.extensions import db
from bidbazaar.models import Auction, utcnow
from bidbazaar import queries


def test_journey(app, customer, provider, rival, make_user, make_auction, make_bid, admin):
    third = make_user("third", provider=True)
    auction = make_auction()
    make_bid(third, auction, 1900)
    make_bid(rival, auction, 1800)
    b1 = make_bid(provider, auction, 1500)
    services.award_auction(customer, auction.id, b1.id)
    bk = db.session.scalar(db.select(Booking))
    assert bk.status == "offered"
    services.decline_booking(provider, bk.id, "busy")
    bks = db.session.scalars(db.select(Booking).order_by(Booking.id)).all()
    assert [b.status for b in bks] == ["declined", "offered"]
    bks[1].respond_by = utcnow() - timedelta(seconds=1)
    db.session.commit()
    print(services.sweep_bookings())
    bks = db.session.scalars(db.select(Booking).order_by(Booking.id)).all()
    assert [b.status for b in bks] == ["declined", "lapsed", "offered"]
    services.confirm_booking(third, bks[2].id)
    services.mark_done(third, bks[2].id)
    services.complete_booking(customer, bks[2].id)
    services.write_review(customer, bks[2].id, 5, "great")
    r = services.write_review(third, bks[2].id, 4, "ok")
    assert r.published_at is not None
    print(queries.provider_reputation([third.id, provider.id, rival.id]))
    print(queries.customer_trust([customer.id]))
    print(services.verify_event_chain(auction.id))


def test_unfilled_and_repost(app, customer, provider, make_auction, make_bid):
    auction = make_auction()
    b1 = make_bid(provider, auction, 900)
    services.award_auction(customer, auction.id, b1.id)
    bk = db.session.scalar(db.select(Booking))
    services.decline_booking(provider, bk.id)
    a = db.session.get(Auction, auction.id, populate_existing=True)
    assert a.status == "expired" and a.winning_bid_id is None
    posted = services.repost_auction(customer, auction.id, {"deadline": utcnow() + timedelta(days=2)})
    assert posted.auction["title"] == a.title


def test_phone(client, customer, bearer):
    h = bearer(customer)
    r = client.put("/api/users/profile", json={"phone": "098765-43210"}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["user"]["phone"] == "+919876543210"
    r = client.put("/api/users/profile", json={"phone": "022 2345 6789"}, headers=h)
    assert r.status_code == 400, r.get_json()
    print(r.get_json())
    r = client.put("/api/users/profile", json={"phone": ""}, headers=h)
    assert r.get_json()["user"]["phone"] is None
