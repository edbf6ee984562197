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

#: Demo jobs per category (leaves and childless top-level ones): a title reads like a job of
#: its category, and a description that says what the customer wants done.
DEMO_JOBS: dict[str, list[tuple[str, str]]] = {
    "Plumbing": [
        ("Fix leaking tap", "The kitchen tap drips all night; the washer or the cartridge needs replacing."),
        ("Unblock bathroom drain", "Water stands in the shower area; the drain is blocked below the floor trap."),
        ("Install a geyser", "A 15-litre geyser is bought and needs mounting, with inlet and outlet pipes."),
    ],
    "Electrical": [
        ("Replace a ceiling fan", "An old fan hums and wobbles; take it down and fit the new one we bought."),
        ("Fix tripping MCB", "The bedroom circuit trips whenever the iron is on; find the fault and fix it."),
    ],
    "Carpentry": [
        ("Repair wardrobe hinges", "Two wardrobe doors sag; the hinges need replacing and the doors aligning."),
        ("Build a wall shelf", "A three-tier shelf in the study, about four feet wide, in laminated ply."),
    ],
    "Deep Cleaning": [
        ("Deep clean a 2BHK", "Full deep cleaning of a 2BHK before moving in: kitchen, bathrooms, windows."),
        ("Post-renovation cleaning", "Dust and paint spots everywhere after renovation; floors, tiles and glass."),
    ],
    "Bathroom Cleaning": [
        ("Clean two bathrooms", "Hard-water stains on tiles and fittings in two bathrooms; descale and clean."),
    ],
    "Sofa & Carpet Cleaning": [
        ("Shampoo a 5-seater sofa", "Fabric sofa with a few stains; shampoo and dry-vacuum it at home."),
        ("Clean a living-room carpet", "A 6x9 ft wool carpet needs deep cleaning and stain removal."),
    ],
    "Local Shifting": [
        ("Shift a 1BHK within the city", "Packing, loading and moving a 1BHK about 8 km, with unpacking."),
    ],
    "Intercity Shifting": [
        ("Move household goods to Bengaluru", "A 2BHK's goods and a scooter, packed and moved intercity."),
    ],
    "AC Service": [
        ("Service two split ACs", "Wet service of two 1.5-ton split ACs; one cools poorly, check the gas."),
        ("Install a window AC", "A new window AC needs fitting in the bedroom, with a stand."),
    ],
    "Refrigerator": [
        ("Fridge not cooling", "Double-door fridge stopped cooling in the lower section; diagnose and repair."),
    ],
    "Washing Machine": [
        ("Washing machine will not drain", "Front-loader stops with water inside; check the pump and filter."),
    ],
    "Water Purifier": [
        ("Service an RO purifier", "Change the filters and membrane of an RO purifier; the water tastes salty."),
    ],
    "Salon for Women": [
        ("Haircut and facial at home", "A haircut and a fruit facial at home on a weekend morning."),
        ("Bridal makeup trial", "A makeup and hair trial at home, two weeks before the wedding."),
    ],
    "Salon for Men": [
        ("Haircut and beard trim at home", "Haircut and beard styling for two people at home."),
    ],
    "Massage": [
        ("Full-body massage at home", "A 60-minute relaxing full-body massage at home in the evening."),
    ],
    "School Tuition": [
        ("Maths tuition for class 8", "Three evenings a week of maths tuition, CBSE syllabus, at home."),
        ("Science tutor for class 10", "Board exam preparation in physics and chemistry, weekends."),
    ],
    "Music Lessons": [
        ("Guitar lessons for a beginner", "Weekly acoustic guitar lessons at home for a 12-year-old."),
    ],
    "Language Classes": [
        ("Spoken English classes", "Conversation practice twice a week for an adult, online or at home."),
    ],
    "Pest Control": [
        ("Cockroach treatment for a 2BHK", "Gel treatment for cockroaches in the kitchen and bathrooms."),
        ("Termite inspection", "Termite marks on a wooden door frame; inspect and treat the flat."),
    ],
    "Painting": [
        ("Paint a 2BHK interior", "Repaint walls and ceilings of a 2BHK, same colours, with putty touch-ups."),
        ("Waterproof a terrace", "The terrace leaks into the top-floor bedroom in monsoon; waterproof it."),
    ],
}
#: The job for a category the seed did not create (an admin's own category).
GENERIC_JOB = ("Help needed at home", "Looking for a reliable, verified professional. Details on call.")

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
    leaves = [
        (cid, name)
        for cid, name in db.session.execute(select(Category.id, Category.name).order_by(Category.id))
        if cid not in parents
    ]
    now = utcnow()
    for n in progress if progress is not None else range(auctions):
        budget_max = Decimal(rng.choice([1000, 1500, 2000, 3000, 5000, 8000, 12000]))
        closing = n % 4 == 0
        deadline = (
            now + timedelta(hours=rng.randint(2, 240)) if not closing else now - timedelta(hours=rng.randint(1, 48))
        )
        category_id, category_name = rng.choice(leaves)
        title, description = rng.choice(DEMO_JOBS.get(category_name, [GENERIC_JOB]))
        auction = Auction(
            title=f"{title} #{n + 1}",
            description=description,
            category_id=category_id,
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
