"""A page whose session the server ended learns it was signed out (issue 18).

When an admin deactivates a user, or a session is logged out elsewhere, each socket of what
was revoked is told `session_ended` ({error, code: "SESSION_ENDED", details}) before the
server drops it; a reconnect with the ended session's cookie is refused with the same data,
so the page can say "You were signed out" instead of reconnecting for ever.
"""

from __future__ import annotations

from typing import Any

from helpers import NS, sent_packets

from bidbazaar import accounts
from bidbazaar.extensions import db
from bidbazaar.models import User

SESSION_ENDED = {"error": "Your session has ended; log in again", "code": "SESSION_ENDED", "details": {}}


def deactivate(app: Any, user: User) -> None:
    """As the admin console does: accounts.set_active inside a request."""
    with app.test_request_context():
        accounts.set_active(db.session.merge(user), False)


def test_a_deactivated_users_socket_is_told_its_session_ended_before_it_is_dropped(
    app, client, provider, session_login, socket_client
):
    session_login(provider)
    sock = socket_client(flask_client=client)

    with sent_packets(sock) as sent:
        deactivate(app, provider)

    assert sent == [("EVENT", ["session_ended", SESSION_ENDED]), ("DISCONNECT", None)]


def test_a_socket_whose_session_was_logged_out_elsewhere_is_told_before_it_is_dropped(
    client, provider, session_login, socket_client
):
    csrf = session_login(provider)
    sock = socket_client(flask_client=client)

    with sent_packets(sock) as sent:
        client.post("/api/auth/logout", headers=csrf)

    assert sent == [("EVENT", ["session_ended", SESSION_ENDED]), ("DISCONNECT", None)]


def test_a_socket_of_another_session_hears_nothing_when_one_session_logs_out(
    client, provider, session_login, socket_client
):
    other = socket_client(provider)  # its own API token, not the cookie session
    csrf = session_login(provider)
    socket_client(flask_client=client)

    with sent_packets(other) as sent:
        client.post("/api/auth/logout", headers=csrf)

    assert sent == []
    assert other.is_connected(NS)


def test_a_reconnect_with_the_ended_session_is_refused_with_session_ended(
    app, client, provider, session_login, socket_client
):
    session_login(provider)
    sock = socket_client(flask_client=client)
    deactivate(app, provider)

    with sent_packets(sock) as sent, app.app_context():
        sock.connect(namespace=NS)

    assert sent == [("CONNECT_ERROR", {"message": SESSION_ENDED["error"], "data": SESSION_ENDED})]
    assert not sock.is_connected(NS)


def test_an_anonymous_socket_on_the_same_server_is_never_told_a_session_ended(
    app, client, provider, session_login, socket_client
):
    watcher = socket_client()
    session_login(provider)
    socket_client(flask_client=client)

    with sent_packets(watcher) as sent:
        deactivate(app, provider)

    assert sent == []
    assert watcher.is_connected(NS)
