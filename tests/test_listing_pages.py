"""The /auctions page as a person reads it (issue 18): human labels, open auctions first,
pagers that fit every sort, search that also finds a city, time left on every card, a
page size that fills the grid; and demo data whose titles match their categories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Auction, Category
from bidbazaar.seed import DEMO_JOBS

# --------------------------------------------------------------------------- seed data


def seeded_titles(runner: Any, auctions: int = 80) -> list[tuple[str, str]]:
    """(title without its number, category name) of every demo auction."""
    runner.invoke(args=["seed-demo", "--auctions", str(auctions)])
    db.session.commit()  # a fresh snapshot
    rows = db.session.execute(select(Auction.title, Category.name).join(Category, Auction.category_id == Category.id))
    return [(title.rsplit(" #", 1)[0], category) for title, category in rows]


def test_seeded_demo_jobs_are_titled_after_their_category(runner: Any) -> None:
    for title, category in seeded_titles(runner):
        assert title in {job for job, _ in DEMO_JOBS[category]}, (title, category)


def test_a_leaking_tap_is_seeded_only_under_plumbing(runner: Any) -> None:
    categories = {category for title, category in seeded_titles(runner, 200) if title == "Fix leaking tap"}

    assert categories == {"Plumbing"}
