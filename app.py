"""The application factory: a table of contents that binds the extensions and registers
the blueprints, hooks, limits, error handlers, CLI commands and socket handlers.

Everything it binds lives in the `bidbazaar` package (docs/architecture.md); nothing
there imports this module.
"""

from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

from bidbazaar import (
    accounts,
    admin_outbox,
    admin_routes,
    alert_pages,
    alert_routes,
    api_docs,
    api_routes,
    auction_edit_pages,
    booking_pages,
    booking_routes,
    cli,
    database,
    email_pages,
    email_routes,
    errors,
    http_guards,
    logs,
    mailer,
    preference_pages,
    preference_routes,
    proxy_routes,
    question_pages,
    question_routes,
    rate_limits,
    realtime,
    routes,
    socket_events,
    watch_pages,
    watch_routes,
)
from bidbazaar.config import Config
from bidbazaar.doors import REPLAYED_HEADER
from bidbazaar.extensions import cors, csrf, db, login_manager, migrate, socketio
from bidbazaar.json_format import MoneyJSONProvider, SocketJSON
from bidbazaar.queries import listing_cache

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: Config | None = None) -> Flask:
    """Build the Bid Bazaar application; with no config, settings come from the environment."""
    if config is None:
        load_dotenv()
        config = Config()
    config.validate()

    app = Flask(__name__)
    app.json_provider_class = MoneyJSONProvider
    app.json = MoneyJSONProvider(app)
    app.config.from_object(config)
    app.url_value_preprocessor(http_guards.refuse_ids_past_integer)
    logs.init_app(app)
    mailer.init_app(app)  # a bad MAIL_URL stops the start; production gaps are warned of

    register_extensions(app)
    register_blueprints(app)
    http_guards.init_app(app)
    # After the request hooks: a request refused by a limit still gets its request id.
    rate_limits.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    http_guards.trust_proxies(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    with app.app_context():
        database.configure_engine(db.engine)
    csrf.init_app(app)
    origins = app.config["CORS_ORIGINS"]
    # Always pass the list: with credentials and no origins flask-cors echoes ANY origin.
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": origins}},
        supports_credentials=True,
        allow_headers=["Content-Type", "X-CSRFToken", "Authorization", "Idempotency-Key", "X-Request-ID"],
        expose_headers=["Retry-After", "X-Request-ID", REPLAYED_HEADER],
    )
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=http_guards.socket_origin_check(origins),
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        # Always a fresh manager: the queue one also relays revocations to every process.
        client_manager=realtime.client_manager(app.config["SOCKETIO_MESSAGE_QUEUE"]),
        manage_session=False,
        json=SocketJSON,
    )
    accounts.init_login_manager(app, login_manager)
    listing_cache.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(api_routes.api, url_prefix="/api")
    app.register_blueprint(booking_routes.bookings_api, url_prefix="/api")  # bookings, reviews, repost
    app.register_blueprint(proxy_routes.proxies_api, url_prefix="/api")  # proxy bids down to a floor
    app.register_blueprint(api_docs.docs, url_prefix="/api")  # OpenAPI document + Swagger UI
    app.register_blueprint(routes.pages)
    app.register_blueprint(auction_edit_pages.auction_edit_pages)  # /auctions/<id>/edit, for its creator
    app.register_blueprint(admin_routes.admin)  # the admin console under /admin
    app.register_blueprint(admin_outbox.admin_outbox)  # /admin/outbox: the email outbox, retry
    app.register_blueprint(booking_pages.booking_pages)  # bookings, reviews, public profiles
    app.register_blueprint(proxy_routes.proxy_pages)  # the auto-bid floor box on the auction page
    app.register_blueprint(watch_routes.watch_api, url_prefix="/api")  # my bids, the watchlist
    app.register_blueprint(watch_pages.watch_pages)  # My bids, Watching, the watch star
    app.register_blueprint(question_routes.questions_api, url_prefix="/api")  # public questions
    app.register_blueprint(question_pages.question_pages)  # ask and answer on the auction page
    app.register_blueprint(alert_routes.alerts_api, url_prefix="/api")  # saved searches (job alerts)
    app.register_blueprint(alert_pages.alert_pages)  # /alerts, and saving /auctions' filters
    app.register_blueprint(email_routes.email_api, url_prefix="/api")  # verify email, reset password
    app.register_blueprint(email_pages.email_pages)  # forgot/reset password, verify email pages
    app.register_blueprint(preference_routes.email_preferences_api, url_prefix="/api")  # email preferences
    app.register_blueprint(preference_pages.preference_pages)  # /settings/email, one-click unsubscribe
    socket_events.register(socketio)
