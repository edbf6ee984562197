"""Development entry point: `python main.py` serves HTTP and Socket.IO on HOST:PORT."""

from __future__ import annotations

import logging

from app import create_app
from bidbazaar.extensions import db, socketio
from bidbazaar.mail_sender import start_mail_sender
from bidbazaar.seed import seed_categories
from bidbazaar.sweeper import start_sweeper

app = create_app()

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with app.app_context():
        db.create_all()
        seed_categories()
    start_sweeper(app)
    start_mail_sender(app)
    socketio.run(
        app,
        host=app.config["HOST"],
        port=app.config["PORT"],
        debug=app.config["DEBUG"],
        use_reloader=False,
        allow_unsafe_werkzeug=True,
    )
