"""Socket.IO handlers for live bidding, in the /auctions namespace."""

from __future__ import annotations

from flask_socketio import SocketIO


def register(socketio: SocketIO) -> None:
    """Attach the handlers to the app's SocketIO object."""
