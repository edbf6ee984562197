"""When job alerts are matched: after the post commits, in the background, never inside the
request; exactly once whoever runs it (threads, the sweeper, the CLI); nothing is lost when
the background run never happens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from alert_helpers import alerts_of, save_search
from helpers import auction_payload, fresh, race

from bidbazaar import services, sweeper
from bidbazaar.extensions import db
from bidbazaar.models import Auction, utcnow
from bidbazaar.services import alerts


@pytest.fixture
def started(app, monkeypatch) -> list[tuple[Any, tuple[Any, ...]]]:
    """Background matching on, its task caught instead of started: (function, args) each."""
    monkeypatch.setitem(app.config, "JOB_ALERTS_IN_BACKGROUND", True)
    tasks: list[tuple[Any, tuple[Any, ...]]] = []
    monkeypatch.setattr(alerts.socketio, "start_background_task", lambda fn, *args: tasks.append((fn, args)))
    return tasks


def test_posting_an_auction_answers_before_any_matching_and_starts_it_after_the_commit(
    client, bearer, customer, provider, started
):
    save_search(provider, location="Mumbai")
    response = client.post("/api/auctions", json=auction_payload(), headers=bearer(customer))
    assert response.status_code == 201, response.get_json()
    auction_id = response.get_json()["auction"]["id"]
    assert fresh(Auction, auction_id).alerts_matched_at is None  # nothing matched in the request
    assert alerts_of(provider) == []
    [(task, args)] = started
    task(*args)  # the background task, run now
    assert [n.auction_id for n in alerts_of(provider)] == [auction_id]
    assert fresh(Auction, auction_id).alerts_matched_at is not None


def test_a_post_that_is_refused_starts_no_matching(client, bearer, customer, started):
    response = client.post("/api/auctions", json=auction_payload(budget_max=1), headers=bearer(customer))
    assert response.status_code == 400
    assert started == []


def test_reposting_an_ended_job_starts_the_matching_of_the_new_auction(make_auction, customer, provider, started):
    old = make_auction()
    services.cancel_auction(customer, old.id)
    started.clear()
    save_search(provider, keywords="sink")
    posted = services.repost_auction(customer, old.id, {"deadline": utcnow() + timedelta(days=2)})
    [(task, args)] = started
    task(*args)
    assert [n.auction_id for n in alerts_of(provider)] == [posted.auction_id]


def test_a_failing_background_run_is_logged_and_left_to_the_sweeper(app, make_auction, provider, started, monkeypatch):
    save_search(provider, keywords="sink")
    auction = make_auction()
    [(task, args)] = started
    with monkeypatch.context() as patch:
        patch.setattr(alerts, "match_job_alerts", lambda _id: 1 / 0)
        task(*args)  # logs, does not raise
    assert fresh(Auction, auction.id).alerts_matched_at is None
    assert services.match_pending_job_alerts() == 1
    assert len(alerts_of(provider)) == 1


def test_two_runs_at_once_for_one_auction_send_each_alert_once(app, make_auction, provider, rival):
    save_search(provider, keywords="sink")
    save_search(rival, location="Mumbai")
    auction_id = make_auction().id
    results = race(app, *(lambda: services.match_job_alerts(auction_id) for _ in range(4)))
    assert sorted(results) == [0, 0, 0, 2], results
    assert len(alerts_of(provider)) == len(alerts_of(rival)) == 1


def test_matching_an_auction_again_sends_nothing(make_auction, provider):
    save_search(provider, keywords="sink")
    auction = make_auction()
    assert services.match_job_alerts(auction.id) == 1
    assert services.match_job_alerts(auction.id) == 0
    assert len(alerts_of(provider)) == 1


def test_matching_an_unknown_auction_sends_nothing(app):
    assert services.match_job_alerts(999_999) == 0


class StopSweeping(Exception):
    pass


def test_the_sweeper_catches_up_an_auction_whose_matching_never_ran(app, make_auction, provider, monkeypatch):
    save_search(provider, keywords="sink")
    auction_id, provider_id = make_auction().id, provider.id  # background matching off: as if it died

    def stop(_seconds: float) -> None:
        raise StopSweeping

    monkeypatch.setattr(sweeper.socketio, "sleep", stop)
    with pytest.raises(StopSweeping):
        sweeper.sweep_forever(app)
    db.session.remove()
    assert [n.auction_id for n in alerts_of(provider_id)] == [auction_id]


def test_the_sweeper_and_a_background_run_at_once_alert_once(app, make_auction, provider):
    save_search(provider, keywords="sink")
    auction_id = make_auction().id
    results = race(app, services.match_pending_job_alerts, lambda: services.match_job_alerts(auction_id))
    assert sorted(results) == [0, 1], results
    assert len(alerts_of(provider)) == 1


def test_the_match_alerts_command_matches_every_pending_auction(runner, make_auction, provider):
    save_search(provider, keywords="sink")
    make_auction()
    make_auction()
    result = runner.invoke(args=["match-alerts"])
    assert result.exit_code == 0, result.output
    assert "Job alerts sent: 2." in result.output
    assert len(alerts_of(provider)) == 2
    assert "Job alerts sent: 0." in runner.invoke(args=["match-alerts"]).output
