"""Flask CLI commands: `flask --app app init-db | seed-demo | create-admin | close-expired |
settle-deactivated | sweep-bookings | send-ending-soon | match-alerts | send-mail`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from bidbazaar.extensions import db


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_admin)
    app.cli.add_command(close_expired)
    app.cli.add_command(settle_deactivated)
    app.cli.add_command(sweep_bookings)
    app.cli.add_command(send_ending_soon)
    app.cli.add_command(match_alerts)
    app.cli.add_command(send_mail)


@click.command("init-db")
def init_db() -> None:
    """Create missing tables and seed the category taxonomy (development)."""
    from bidbazaar.seed import seed_categories

    db.create_all()
    click.echo(f"Tables ready; {seed_categories()} categories added.")


@click.command("seed-demo")
@click.option("--auctions", default=50, show_default=True, type=click.IntRange(min=0))
def seed_demo(auctions: int) -> None:
    """Demo users (password: password123), auctions and bids."""
    from werkzeug.security import generate_password_hash

    from bidbazaar.seed import seed_demo as run

    db.create_all()
    password_hash = generate_password_hash("password123", method=current_app.config["PASSWORD_HASH_METHOD"])
    with click.progressbar(range(auctions), label="Seeding auctions") as bar:
        run(auctions, password_hash, progress=bar)
    click.echo(f"Seeded {auctions} auctions. Log in as customer1 or provider1 with password123.")


@click.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(username: str, email: str, password: str) -> None:
    """Create an administrator (prompts for what is missing)."""
    from bidbazaar import accounts
    from bidbazaar.errors import DomainError
    from bidbazaar.forms import RegisterForm, parse_json_form

    try:
        with current_app.test_request_context():
            data = parse_json_form(
                RegisterForm,
                body={"username": username, "email": email, "password": password, "is_service_provider": False},
            )
            user = accounts.register_user(**data)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message}: {exc.details}") from None
    user.is_admin = True
    db.session.commit()
    click.echo(f"Admin {user.username} created.")


@click.command("close-expired")
def close_expired() -> None:
    """Close every auction whose deadline has passed (safe to run from several crons)."""
    from bidbazaar.services import close_expired_auctions

    click.echo(f"Closed {close_expired_auctions()} auctions.")


@click.command("settle-deactivated")
def settle_deactivated() -> None:
    """Withdraw the bids, cancel the auctions and end the offers of accounts deactivated
    before that was automatic."""
    from bidbazaar.services.deactivation import settle_deactivated_accounts

    taken = settle_deactivated_accounts()
    click.echo(
        f"Bids withdrawn: {taken.active_bids}; auctions cancelled: {taken.open_auctions}; "
        f"offers ended: {taken.open_offers}."
    )


@click.command("sweep-bookings")
def sweep_bookings() -> None:
    """Lapse unanswered offers, complete undisputed "done" bookings, publish reviews whose
    window ended (safe to run from several crons)."""
    from bidbazaar.services import sweep_bookings as run

    swept = run()
    click.echo(
        f"Offers lapsed: {swept.lapsed}; bookings completed: {swept.completed}; "
        f"reviews published: {swept.reviews_published}."
    )


@click.command("send-ending-soon")
def send_ending_soon() -> None:
    """Send the ending_soon notices of auctions whose deadline is ENDING_SOON_MINUTES away or
    less (safe to run from several crons: each window is sent once)."""
    from bidbazaar.services import send_ending_soon as run

    click.echo(f"ending_soon notices sent: {run()}.")


@click.command("match-alerts")
def match_alerts() -> None:
    """Send the job alerts of every active auction not matched yet (safe to run from
    several crons: each auction is matched once)."""
    from bidbazaar.services import match_pending_job_alerts

    click.echo(f"Job alerts sent: {match_pending_job_alerts()}.")


@click.command("send-mail")
@click.option("--until-empty", is_flag=True, help="Run rounds until no message is due.")
def send_mail(until_empty: bool) -> None:
    """Send due outbox email, one round of MAIL_BATCH_SIZE (safe to run from several crons
    and beside the servers' senders: each message is claimed by one)."""
    from bidbazaar import mailer
    from bidbazaar.mail_sender import send_due_mail, send_mail_until_empty

    if mailer.mail_status(current_app.config) == "not_configured":
        raise click.ClickException("MAIL_URL is not set: nothing is sent (the outbox keeps every message)")
    done = send_mail_until_empty() if until_empty else send_due_mail()
    click.echo(f"Sent: {done.sent}; to retry: {done.retrying}; failed: {done.failed}.")
