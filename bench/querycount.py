"""Figure 7: SQL statements per request for every GET route, counted in-process.

A before_cursor_execute listener on the engine counts what each request sends. Every
route runs twice: on a small case (an auction without bids, one row per page) and a big
one (the auction with 1,000 bids, 100 rows per page); a constant count is the goal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event

from bench.data import Fixtures


@dataclass
class QueryCount:
    route: str
    small_url: str
    small: int
    big: int
    status: str

    @property
    def constant(self) -> bool:
        return self.small == self.big


def _urls(rule: str, fx: Fixtures) -> tuple[str, str] | None:
    """The small and the big request for a route, or None for routes that are not ours."""
    if rule.startswith("/static/"):
        return None
    replacements_small = {
        "<int:auction_id>": str(fx.small_auction),
        "<int:user_id>": str(fx.customer_id),
        "<int:category_id>": str(fx.parent_category),
    }
    replacements_big = {**replacements_small, "<int:auction_id>": str(fx.detail_auction)}
    small, big = rule, rule
    for key, value in replacements_small.items():
        small = small.replace(key, value)
    for key, value in replacements_big.items():
        big = big.replace(key, value)
    if "<" in small:
        return None
    return f"{small}?per_page=1", f"{big}?per_page=100"


def count_queries(app, fx: Fixtures) -> list[QueryCount]:
    from bidbazaar.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def listener(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    results = []
    try:
        client = app.test_client()
        # Admin token: every route answers its real page (the admin console included).
        headers = {"Authorization": f"Bearer {fx.admin_token}"}
        rules = sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods), key=lambda r: r.rule)
        for rule in rules:
            urls = _urls(rule.rule, fx)
            if urls is None:
                continue
            measured = []
            status = ""
            for url in urls:
                client.get(url, headers=headers)  # warm: first-request setup is not per-request cost
                statements.clear()
                response = client.get(url, headers=headers)
                measured.append(len(statements))
                status += f"{response.status_code} "
            results.append(QueryCount(rule.rule, urls[0], measured[0], measured[1], status.strip()))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return results
