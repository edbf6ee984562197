"""Idempotent seed data: the category taxonomy, and demo users/auctions/bids for trying things."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, AuctionStatus, Bid, BidStatus, Category, User, utcnow

TAXONOMY: dict[str, tuple[str, list[str]]] = {
    "Home Repair": ("Home maintenance and repair services", ["Plumbing", "Electrical", "Carpentry"]),
    "Cleaning": ("Home and office cleaning", ["Deep Cleaning", "Bathroom Cleaning", "Sofa & Carpet Cleaning"]),
    "Moving & Packing": ("Packers and movers, local and intercity", ["Local Shifting", "Intercity Shifting"]),
    "Appliance Repair": (
        "AC, fridge, washing machine and RO repair",
        ["AC Service", "Refrigerator", "Washing Machine", "Water Purifier"],
    ),
    "Beauty & Wellness": ("Salon at home, massage and grooming", ["Salon for Women", "Salon for Men", "Massage"]),
    "Tutoring": ("Home tuition and coaching", ["School Tuition", "Music Lessons", "Language Classes"]),
    "Pest Control": ("Cockroach, termite and general pest control", []),
    "Painting": ("Interior and exterior painting, waterproofing", []),
}

CITIES = [
    "Mumbai, Maharashtra",
    "Bengaluru, Karnataka",
    "Delhi NCR",
    "Pune, Maharashtra",
    "Chennai, Tamil Nadu",
    "Hyderabad, Telangana",
    "Kolkata, West Bengal",
]


def seed_categories() -> int:
    """Create the Indian home-services taxonomy; returns how many categories were added."""
    added = 0
    existing = {(c.parent_id, c.name): c for c in db.session.scalars(select(Category))}
    for name, (description, children) in TAXONOMY.items():
        parent = existing.get((None, name))
        if parent is None:
            parent = Category(name=name, description=description)
            db.session.add(parent)
            db.session.flush()
            added += 1
        for child in children:
            if (parent.id, child) not in existing:
                db.session.add(Category(name=child, parent_id=parent.id))
                added += 1
    db.session.commit()
    return added


def _user(username: str, password_hash: str, provider: bool) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            email=f"{username}@example.com",
            password_hash=password_hash,
            is_service_provider=provider,
            provider_verified=provider,
            # Demo accounts count as verified: they can post and bid with
            # REQUIRE_EMAIL_VERIFICATION on, and show what their emails look like.
            email_verified=True,
        )
        db.session.add(user)
        db.session.flush()
    return user


def seed_demo(
    auctions: int, password_hash: str, progress: Iterable[int] | None = None, rng: random.Random | None = None
) -> None:
    """Demo customers and providers (password 'password123'), auctions and valid bid ladders.

    Rows are written directly, not through place_bid, so that 100,000 auctions take
    seconds; the ladders still obey the reverse-auction rule.
    """
    rng = rng or random.Random(42)
    seed_categories()
    customers = [_user(f"customer{i}", password_hash, False) for i in range(1, 6)]
    providers = [_user(f"provider{i}", password_hash, True) for i in range(1, 11)]
    parents = set(db.session.scalars(select(Category.parent_id).where(Category.parent_id.is_not(None))))
    leaves = [cid for cid in db.session.scalars(select(Category.id).order_by(Category.id)) if cid not in parents]
    now = utcnow()
    for n in progress if progress is not None else range(auctions):
        budget_max = Decimal(rng.choice([1000, 1500, 2000, 3000, 5000, 8000, 12000]))
        closing = n % 4 == 0
        deadline = (
            now + timedelta(hours=rng.randint(2, 240)) if not closing else now - timedelta(hours=rng.randint(1, 48))
        )
        auction = Auction(
            title=f"{rng.choice(['Weekly', 'One-time', 'Urgent', 'Monthly'])} {rng.choice(['cleaning', 'plumbing fix', 'AC service', 'painting', 'tuition', 'shifting'])} #{n + 1}",
            description="Looking for a reliable, verified professional. Materials discussed on call.",
            category_id=rng.choice(leaves),
            created_by=rng.choice(customers).id,
            location=rng.choice(CITIES),
            budget_min=budget_max / 2,
            budget_max=budget_max,
            deadline=deadline,
            scheduled_deadline=deadline,
            status=AuctionStatus.ACTIVE,
            alerts_matched_at=now,  # demo history, not news: no job alerts for it
            # Posted before its deadline, whether that is still ahead or already passed.
            created_at=min(now, deadline) - timedelta(hours=rng.randint(8, 240), seconds=n),
        )
        db.session.add(auction)
        db.session.flush()
        amount = budget_max
        numbers: dict[int, int] = {}
        last_bidder = None
        bid_time = auction.created_at
        for _ in range(rng.randint(0, 20)):  # ten bids an auction on average
            amount -= Decimal(rng.randint(1, 50))
            if amount <= 0:
                break
            bidder = rng.choice([p for p in providers if p is not last_bidder])
            numbers.setdefault(bidder.id, len(numbers) + 1)
            bid_time += timedelta(minutes=rng.randint(1, 30))  # still before the deadline
            db.session.add(
                Bid(
                    auction_id=auction.id,
                    user_id=bidder.id,
                    amount=amount,
                    description="Experienced team, all tools included.",
                    status=BidStatus.ACTIVE,
                    bidder_number=numbers[bidder.id],
                    created_at=bid_time,
                    updated_at=bid_time,
                )
            )
            auction.bid_count += 1
            auction.lowest_bid = amount
            last_bidder = bidder
        auction.bidder_count = len(numbers)
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()
