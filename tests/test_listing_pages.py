"""The /auctions page as a person reads it (issue 18): human labels, open auctions first,
pagers that fit every sort, search that also finds a city, time left on every card, a
page size that fills the grid; and demo data whose titles match their categories."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers import html
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.forms import LIST_SORTS
from bidbazaar.models import Auction, Category
from bidbazaar.seed import DEMO_JOBS

NOW = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
CARD_LINK = re.compile(r'class="card-title" href="/auctions/(\d+)"')


def card_ids(response: Any) -> list[int]:
    assert response.status_code == 200
    return [int(found) for found in CARD_LINK.findall(html(response))]


def with_status(auction: Auction, status: str) -> Auction:
    auction.status = status
    auction.closed_at = auction.deadline
    db.session.commit()
    return auction


@pytest.fixture
def frozen(time_machine: Any) -> datetime:
    time_machine.move_to(NOW, tick=False)
    return NOW


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("label", ["Newest", "Budget: high to low", "Closing soonest", "Fewest bids"])
def test_the_sort_choices_read_as_a_person_would_say_them(client: Any, label: str) -> None:
    assert re.search(rf'<option [^>]*value="\w+"[^>]*>{re.escape(label)}</option>', html(client.get("/auctions")))


@pytest.mark.parametrize("label", ["Open", "Awarded", "Cancelled", "Ended without award"])
def test_the_status_choices_read_as_a_person_would_say_them(client: Any, label: str) -> None:
    assert re.search(rf'<option [^>]*value="\w+"[^>]*>{label}</option>', html(client.get("/auctions")))


def test_a_card_names_its_status_in_words(client: Any, make_auction: Any) -> None:
    with_status(make_auction(title="Repaint the hall"), "expired")

    body = html(client.get("/auctions?closed=true"))

    assert ">Ended without award</span>" in body and ">expired</span>" not in body


# --------------------------------------------------------------------------- open by default


def test_the_list_shows_only_open_auctions_by_default(client: Any, make_auction: Any) -> None:
    open_one = make_auction(title="Fix the bathroom tap")
    closed = with_status(make_auction(title="Repaint the hall"), "cancelled")

    listed = card_ids(client.get("/auctions"))

    assert open_one.id in listed and closed.id not in listed


def test_the_closed_switch_lists_closed_auctions_too(client: Any, make_auction: Any) -> None:
    open_one = make_auction(title="Fix the bathroom tap")
    closed = with_status(make_auction(title="Repaint the hall"), "completed")

    assert set(card_ids(client.get("/auctions?closed=true"))) == {open_one.id, closed.id}


def test_the_closed_switch_keeps_the_other_filters(client: Any, make_auction: Any) -> None:
    make_auction(title="Fix the bathroom tap")

    switch = re.search(r'id="closed-switch" href="([^"]+)"', html(client.get("/auctions?q=tap&page=1")))

    assert switch and switch.group(1).replace("&amp;", "&") == "/auctions?q=tap&closed=true"


def test_a_chosen_status_is_listed_without_the_switch(client: Any, make_auction: Any) -> None:
    make_auction(title="Fix the bathroom tap")
    closed = with_status(make_auction(title="Repaint the hall"), "cancelled")

    assert card_ids(client.get("/auctions?status=cancelled")) == [closed.id]


# --------------------------------------------------------------------------- paging


@pytest.fixture
def thirteen(make_auction: Any) -> list[int]:
    """13 open auctions, each sort putting them in a different order."""
    made = []
    for n in range(13):
        made.append(
            make_auction(
                title=f"Job number {n}",
                budget_max=2000 + 100 * ((n * 5) % 13),
                deadline=datetime.now(UTC) + timedelta(days=1 + (n * 7) % 13),
            ).id
        )
    return made


def test_a_page_holds_twelve_auctions_to_fill_the_grid(client: Any, thirteen: list[int]) -> None:
    assert len(card_ids(client.get("/auctions"))) == 12


@pytest.mark.parametrize("sort", list(LIST_SORTS))
def test_previous_and_next_walk_every_sort_without_losing_or_repeating_an_auction(
    client: Any, thirteen: list[int], sort: str
) -> None:
    first = client.get(f"/auctions?sort={sort}")
    following = re.search(r'href="([^"]+)" rel="next">Next →</a>', html(first))
    assert following, "no Next link"
    second = client.get(following.group(1).replace("&amp;", "&"))
    back = re.search(r'href="([^"]+)" rel="prev">← Previous</a>', html(second))

    assert sorted(card_ids(first) + card_ids(second)) == sorted(thirteen)
    assert back and card_ids(client.get(back.group(1).replace("&amp;", "&"))) == card_ids(first)


def test_each_sort_orders_the_cards_by_its_own_key(client: Any, thirteen: list[int]) -> None:
    budgets = {a.id: a.budget_max for a in db.session.scalars(select(Auction))}
    high_first = card_ids(client.get("/auctions?sort=budget_high"))

    assert [budgets[i] for i in high_first] == sorted((budgets[i] for i in high_first), reverse=True)
    assert card_ids(client.get("/auctions?sort=budget_low")) != high_first


def test_the_filters_are_open_on_the_first_page(client: Any, thirteen: list[int]) -> None:
    assert re.search(r'<details class="filters" id="filters" open>', html(client.get("/auctions")))


def test_after_the_first_page_the_filters_fold_under_a_summary_naming_them(client: Any, thirteen: list[int]) -> None:
    body = html(client.get("/auctions?q=job&sort=closing&page=2"))

    assert '<details class="filters" id="filters">' in body
    summary = re.search(r'id="filters-summary">([^<]+)<', body)
    assert summary and summary.group(1) == "— “job” · Open · Closing soonest"


# --------------------------------------------------------------------------- search and cards


def test_the_search_box_finds_a_city_in_any_case(client: Any, make_auction: Any) -> None:
    pune = make_auction(title="Service two split ACs", location="Pune, Maharashtra")
    make_auction(title="Service the office AC", location="Mumbai, Maharashtra")

    assert card_ids(client.get("/auctions?q=pune")) == [pune.id]


def test_the_api_search_finds_a_city_too_as_documented(client: Any, make_auction: Any) -> None:
    pune = make_auction(title="Service two split ACs", location="Pune, Maharashtra")
    make_auction(title="Service the office AC", location="Mumbai, Maharashtra")

    listed = client.get("/api/auctions?q=PUNE").get_json()["auctions"]

    assert [a["id"] for a in listed] == [pune.id]


def test_an_open_card_says_how_long_is_left(client: Any, make_auction: Any, frozen: datetime) -> None:
    make_auction(deadline=frozen + timedelta(days=2, hours=4, minutes=30))

    assert ">2d 4h left</dd>" in html(client.get("/auctions"))


def test_a_card_closing_within_a_day_counts_hours_and_minutes(client: Any, make_auction: Any, frozen: datetime) -> None:
    make_auction(deadline=frozen + timedelta(hours=3, minutes=5, seconds=20))

    assert ">3h 5m left</dd>" in html(client.get("/auctions"))


def test_a_closed_card_says_when_it_closed(client: Any, make_auction: Any, frozen: datetime) -> None:
    with_status(make_auction(deadline=frozen + timedelta(hours=1)), "expired")

    assert ">Closed 20 Nov 2026, 13:00 IST</dd>" in html(client.get("/auctions?closed=true"))


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
