"""The in-process deadline sweeper: every CLOSE_SWEEP_SECONDS it closes due auctions, lapses
unanswered offers, completes undisputed "done" bookings, publishes reviews whose window ended,
sends the ending_soon notices and matches the job alerts of any auction its background
matching missed.

Safe to run in every server process at once: each is a locked, conditional update, so
exactly one process makes each transition and emits its events.
"""

from __future__ import annotations

from flask import Flask

from bidbazaar.extensions import db, log, socketio


def sweep_forever(app: Flask) -> None:
    """Close due auctions every CLOSE_SWEEP_SECONDS; a failed round is logged, not fatal."""
    from bidbazaar.services import close_expired_auctions, match_pending_job_alerts, send_ending_soon, sweep_bookings

    interval = app.config["CLOSE_SWEEP_SECONDS"]
    while True:
        try:
            with app.app_context():
                close_expired_auctions()
                sweep_bookings()
                send_ending_soon()  # watchers and outbid bidders, once per deadline window
                match_pending_job_alerts()  # auctions whose background matching was lost
        except Exception:
            log.exception("deadline sweep failed; retrying next round")
            with app.app_context():
                db.session.remove()
        socketio.sleep(interval)


def start_sweeper(app: Flask) -> None:
    """Start the sweeper as a background task, unless CLOSE_SWEEP_SECONDS is 0."""
    if app.config["CLOSE_SWEEP_SECONDS"] > 0:
        socketio.start_background_task(sweep_forever, app)
