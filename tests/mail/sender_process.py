"""One sender process for the race test: `python tests/mail/sender_process.py GO_FILE`.

Builds the app from the environment (DATABASE_URL, MAIL_URL, MAIL_BATCH_SIZE), prints
"ready", waits for GO_FILE to exist (so that both processes start sending together), runs
send rounds until nothing is due, and prints its counts as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app import create_app
from bidbazaar.mail_sender import send_mail_until_empty


def main(go_file: Path) -> None:
    app = create_app()
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not go_file.exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal within 60 s")
        time.sleep(0.01)
    with app.app_context():
        done = send_mail_until_empty()
    print(json.dumps({"sent": done.sent, "retrying": done.retrying, "failed": done.failed}), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
