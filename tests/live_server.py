"""The real server (`python main.py`) as a subprocess, for tests that go over HTTP and Socket.IO.

    with LiveServer(database_url, env={"CLOSE_SWEEP_SECONDS": "0"}) as server:
        requests.get(f"{server.url}/api/health")
        assert "Traceback" not in server.stderr_text()

Each server gets a free loopback port, its own stdout/stderr files and a cheap password
hash; `stop()` terminates it (then kills it) so no process outlives the test.
GunicornServer runs the production command the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import requests

from devtools.processes import ROOT, SCRUBBED_ENV, free_port, stop_process, worker_pid

#: Settings every test server gets unless the caller overrides them.
DEFAULT_ENV = {
    "HOST": "127.0.0.1",
    "SECRET_KEY": "live-server-test-secret-key-0123456789",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "CLOSE_SWEEP_SECONDS": "1",
    "PYTHONUNBUFFERED": "1",
    # Load tests sign up and bid from one address far faster than any person; tests of the
    # limits themselves set it back to true.
    "RATELIMIT_ENABLED": "false",
    # Test auctions close within seconds, so each would be "ending soon" at once and its
    # bidders would get a notice that tests counting notifications do not expect; the
    # notice's own tests (tests/watching) sweep in-process.
    "ENDING_SOON_MINUTES": "0",
}


class LiveServer:
    """`python main.py` on 127.0.0.1:<free port> against `database_url`."""

    def __init__(self, database_url: str, env: dict[str, str] | None = None, startup_timeout: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.startup_timeout = startup_timeout
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        self.env.update(DEFAULT_ENV)
        self.env.update(env or {})
        self.env.update({"DATABASE_URL": database_url, "PORT": str(self.port)})
        self.process: subprocess.Popen[bytes] | None = None
        # Files, not pipes: a chatty server must never block on a full pipe buffer.
        self._logs = tempfile.TemporaryDirectory(prefix="bb-live-")
        self._stdout = Path(self._logs.name) / "stdout.log"
        self._stderr = Path(self._logs.name) / "stderr.log"

    def command(self) -> list[str]:
        """What runs the server; subclasses run other entry points (gunicorn) the same way."""
        return [sys.executable, "main.py"]

    def start(self) -> LiveServer:
        # Append: a server started again keeps what it logged before its restart.
        with self._stdout.open("ab") as stdout, self._stderr.open("ab") as stderr:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
            )
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.stderr_text()}")
            try:
                response = requests.get(f"{self.url}/api/health", timeout=1)
                if response.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not healthy after {self.startup_timeout}s:\n{self.stderr_text()}")

    def stop(self) -> None:
        stop_process(self.process)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stderr_text(self) -> str:
        return self._stderr.read_text(errors="replace") if self._stderr.exists() else ""

    def stdout_text(self) -> str:
        return self._stdout.read_text(errors="replace") if self._stdout.exists() else ""

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class GunicornServer(LiveServer):
    """The production command, `gunicorn -c gunicorn.conf.py wsgi:app`, on a free port."""

    def command(self) -> list[str]:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        return [gunicorn, "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}", "wsgi:app"]

    def worker_pid(self) -> int:
        """The one worker of this gunicorn master (the process that serves)."""
        assert self.process is not None
        return worker_pid(self.process.pid)
