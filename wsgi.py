"""Production entry point: `gunicorn -c gunicorn.conf.py wsgi:app` (see README, Production).

gunicorn imports this module in each worker after forking, so each worker process gets
its own app, database pool, message-queue listener and deadline sweeper. Running the
sweeper in every process is safe: closing an auction is a locked, conditional update.
"""

from __future__ import annotations

from dotenv import load_dotenv

# gunicorn does not read .env; variables already set in the environment win.
load_dotenv()

from app import create_app  # noqa: E402  (after .env is loaded)
from bidbazaar.mail_sender import start_mail_sender  # noqa: E402
from bidbazaar.sweeper import start_sweeper  # noqa: E402

app = create_app()
start_sweeper(app)
start_mail_sender(app)  # each worker sends; claiming makes each message one worker's
