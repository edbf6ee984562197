"""Figure 8: job alerts (issue 15). In-process, on the bench's database, after its fixtures:

(a) matching one new auction against SEARCHES saved searches (median of RUNS runs; each run
    un-claims the auction and deletes its alerts first, so every run does the whole work:
    the claim, the one SQL query, the text checks, the notifications), against the 50 ms goal;
(b) POST /api/auctions (test client, the customer's bearer token) with no saved searches and
    with SEARCHES, in rounds A B B A, background matching on as in production. After each
    post the bench waits, outside the timing, for the background task to claim the auction,
    so a post never overlaps the previous post's matching. Goal: with ≤ 5 % slower.

The searches are spread like real ones: 500 providers with 20 each, each provider in one
trade (a top category): 90 % of their searches name a category of that trade (the top one or
a subcategory), the rest none; a city on half, a budget range on half, one or two keywords
on half. The query and text checks alone (`matching_searches`) are timed apart from the
whole run, which also claims the auction and stores and renders the notifications.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

SEARCHES = 10_000
SMOKE_SEARCHES = 200
RUNS = 21
SMOKE_RUNS = 5
POSTS = 40  # per round, four rounds
SMOKE_POSTS = 5
MATCH_GOAL_MS = 50.0
POST_GOAL_RATIO = 1.05
CITIES = ["Mumbai", "Pune", "Delhi", "Bengaluru", "Chennai", "Hyderabad", "Kolkata", "Ahmedabad"]
WORDS = ["plumbing", "sink", "urgent", "cleaning", "leak", "ac", "painting", "tap", "weekly", "kitchen"]


@dataclass
class AlertsResult:
    searches: int
    runs: int
    match_ms: list[float] = field(default_factory=list)
    query_ms: list[float] = field(default_factory=list)
    alerts_sent: int = 0
    posts_per_round: int = 0
    post_ms_without: list[float] = field(default_factory=list)
    post_ms_with: list[float] = field(default_factory=list)
    failed_posts: int = 0
    unmatched_posts: int = 0

    @property
    def match_median(self) -> float:
        return statistics.median(self.match_ms) if self.match_ms else 0.0

    @property
    def post_ratio(self) -> float:
        if not self.post_ms_without or not self.post_ms_with:
            return 0.0
        return statistics.median(self.post_ms_with) / statistics.median(self.post_ms_without)


def _add_searches(app, count: int) -> None:
    from sqlalchemy import insert, select

    from bidbazaar.extensions import db
    from bidbazaar.models import Category, User, utcnow
    from bidbazaar.provider_models import MAX_SAVED_SEARCHES, SavedSearch

    rng = random.Random(15)
    with app.app_context():
        now = utcnow()
        tree: dict[int, list[int]] = {}
        for cid, parent in db.session.execute(select(Category.id, Category.parent_id)):
            tree.setdefault(parent or cid, []).append(cid)
        trades = list(tree.values())  # each top category with its subcategories
        providers, trade_of = [], []
        for i in range(-(-count // MAX_SAVED_SEARCHES)):
            name = f"benchalert{i}"
            user_id = db.session.scalar(select(User.id).where(User.username == name))
            if user_id is None:
                user = User(
                    username=name,
                    email=f"{name}@bench.example.com",
                    password_hash="pbkdf2:sha256:1000$x$x",
                    is_service_provider=True,
                )
                db.session.add(user)
                db.session.flush()
                user_id = user.id
            providers.append(user_id)
            trade_of.append(rng.choice(trades))  # a provider watches for jobs of their own trade
        rows = []
        for n in range(count):
            provider = n // MAX_SAVED_SEARCHES
            low = Decimal(rng.choice([500, 1000, 2000, 5000])) if rng.random() < 0.5 else None
            rows.append(
                {
                    "user_id": providers[provider],
                    "name": f"Bench search {n}",
                    "category_id": rng.choice(trade_of[provider]) if rng.random() < 0.9 else None,
                    "location": rng.choice(CITIES) if rng.random() < 0.5 else None,
                    "min_budget": low,
                    "max_budget": low * 4 if low is not None and rng.random() < 0.7 else None,
                    "keywords": " ".join(rng.sample(WORDS, rng.choice([1, 2]))) if rng.random() < 0.5 else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(insert(SavedSearch), rows)
        db.session.commit()


def _drop_searches(app) -> None:
    from sqlalchemy import delete

    from bidbazaar.extensions import db
    from bidbazaar.provider_models import SavedSearch

    with app.app_context():
        db.session.execute(delete(SavedSearch))
        db.session.commit()


def _payload(category_id: int) -> dict:
    from bidbazaar.models import utcnow

    return {
        "title": "Urgent plumbing fix: kitchen sink leak",
        "description": "The kitchen sink leaks under the cabinet; need a plumber this week, parts included.",
        "category_id": category_id,
        "location": "Andheri West, Mumbai",
        "budget_min": 1000,
        "budget_max": 2000,
        "deadline": (utcnow() + timedelta(days=2)).isoformat(),
    }


def _time_matching(app, customer_id: int, category_id: int, runs: int, result: AlertsResult) -> None:
    from sqlalchemy import delete, update

    from bidbazaar import services
    from bidbazaar.extensions import db
    from bidbazaar.models import Auction, Notification, User, utcnow
    from bidbazaar.services.alerts import matching_searches

    with app.app_context():
        app.config["JOB_ALERTS_IN_BACKGROUND"] = False  # the bench runs the matching itself
        data = _payload(category_id) | {
            "deadline": utcnow() + timedelta(days=2),
            "budget_min": Decimal("1000"),
            "budget_max": Decimal("2000"),
            "requirements": None,
        }
        auction_id = services.create_auction(db.session.get(User, customer_id), data).auction_id
        app.config["JOB_ALERTS_IN_BACKGROUND"] = True
        for _ in range(runs + 1):  # the first run warms caches and is not counted
            db.session.execute(update(Auction).where(Auction.id == auction_id).values(alerts_matched_at=None))
            db.session.execute(delete(Notification).where(Notification.auction_id == auction_id))
            db.session.commit()
            started = time.perf_counter()
            sent = services.match_job_alerts(auction_id)
            result.match_ms.append((time.perf_counter() - started) * 1000)
            result.alerts_sent = sent
        result.match_ms.pop(0)
        auction = db.session.get(Auction, auction_id)
        for _ in range(runs + 1):
            started = time.perf_counter()
            matching_searches(auction)
            result.query_ms.append((time.perf_counter() - started) * 1000)
        result.query_ms.pop(0)
        db.session.remove()


def _time_posts(app, token: str, category_id: int, posts: int, into: list[float], result: AlertsResult) -> None:
    from sqlalchemy import select

    from bidbazaar.extensions import db
    from bidbazaar.models import Auction

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(posts):
        body = _payload(category_id)
        started = time.perf_counter()
        response = client.post("/api/auctions", json=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            result.failed_posts += 1
            continue
        into.append(elapsed)
        auction_id = response.get_json()["auction"]["id"]
        with app.app_context():  # wait, untimed, for the background matching of this post
            deadline = time.monotonic() + 10
            while db.session.scalar(select(Auction.alerts_matched_at).where(Auction.id == auction_id)) is None:
                db.session.commit()
                if time.monotonic() > deadline:
                    result.unmatched_posts += 1
                    break
                time.sleep(0.002)
            db.session.remove()
        # The claim commits before the task publishes its notifications and ends: give it
        # that time too, so the next post never shares the interpreter with it.
        time.sleep(0.02)


def run(app, customer_id: int, customer_token: str, smoke: bool) -> AlertsResult:
    """Figure 8 on the bench's app and database (see the module's docstring)."""
    from sqlalchemy import select

    from bidbazaar.extensions import db
    from bidbazaar.models import Category

    searches = SMOKE_SEARCHES if smoke else SEARCHES
    posts = SMOKE_POSTS if smoke else POSTS
    result = AlertsResult(searches, SMOKE_RUNS if smoke else RUNS, posts_per_round=posts)
    with app.app_context():
        plumbing = db.session.scalar(select(Category.id).where(Category.name == "Plumbing"))
    _drop_searches(app)
    _time_posts(app, customer_token, plumbing, posts, result.post_ms_without, result)  # A
    _add_searches(app, searches)
    _time_posts(app, customer_token, plumbing, posts, result.post_ms_with, result)  # B
    _time_matching(app, customer_id, plumbing, result.runs, result)
    _time_posts(app, customer_token, plumbing, posts, result.post_ms_with, result)  # B
    _drop_searches(app)
    _time_posts(app, customer_token, plumbing, posts, result.post_ms_without, result)  # A
    return result


def problems(kind: str, result: AlertsResult | None) -> list[str]:
    """What makes the harness fail here: posts refused, or matching that never happened."""
    if result is None:
        return []
    found = []
    if result.failed_posts:
        found.append(f"{kind}: alerts: {result.failed_posts} POST /api/auctions not 201")
    if result.unmatched_posts:
        found.append(f"{kind}: alerts: {result.unmatched_posts} posts never matched in the background")
    if not result.match_ms:
        found.append(f"{kind}: alerts: matching was not timed")
    return found


def section(result: AlertsResult | None) -> list[str]:
    """The report's part for figure 8."""
    if result is None:
        return ["", "### 8. Job alerts", "", "Not measured in this run.", ""]
    match = result.match_median
    query = statistics.median(result.query_ms) if result.query_ms else 0.0
    ratio = result.post_ratio
    without = statistics.median(result.post_ms_without) if result.post_ms_without else 0.0
    with_ = statistics.median(result.post_ms_with) if result.post_ms_with else 0.0
    return [
        "",
        f"### 8. Job alerts: matching one new auction against {result.searches:,} saved searches",
        "",
        "In-process (bench/alerts.py). Matching: median of "
        f"{result.runs} runs, each the whole claim + query + text checks + notifications "
        f"({result.alerts_sent} providers alerted). POST /api/auctions: rounds A B B A of "
        f"{result.posts_per_round} posts, background matching on, each post's matching awaited untimed.",
        "",
        "| measure | value | goal | verdict |",
        "| --- | --: | --: | --- |",
        f"| matching, median ms | {match:.1f} | ≤ {MATCH_GOAL_MS:.0f} | {'met' if match <= MATCH_GOAL_MS else '**missed**'} |",
        f"| matching, slowest ms | {max(result.match_ms, default=0):.1f} | | |",
        f"| of which the query and text checks, median ms | {query:.1f} | | |",
        f"| POST /api/auctions, median ms, 0 searches | {without:.2f} | | |",
        f"| POST /api/auctions, median ms, {result.searches:,} searches | {with_:.2f} | | |",
        f"| ratio with / without | {ratio:.3f} | ≤ {POST_GOAL_RATIO:.2f} | "
        f"{'met' if ratio <= POST_GOAL_RATIO else '**missed**'} |",
        "",
    ]
