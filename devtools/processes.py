"""Processes that tests and the bench start on loopback, and how to stop them again.

Both tests/ and bench/ import this module (neither imports the other): a free port, a
bounded wait, a stop with one timeout, a private redis-server, the main config of a
private nginx, the worker of a one-worker gunicorn, and an API token minted in the database.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server")
#: How long a signalled process gets before it is killed. Ten seconds, not five: gunicorn's
#: master waits for its worker to finish (graceful_timeout) before it exits, and SIGKILL to
#: the master would orphan that worker, which then keeps its port and database connections.
STOP_TIMEOUT = 10.0
#: Settings from the developer's shell that must not leak into a server started here.
SCRUBBED_ENV = ("SOCKETIO_MESSAGE_QUEUE", "APP_ENV", "FLASK_DEBUG", "SESSION_COOKIE_SECURE", "FLASK_APP")
#: nginx's temp directories, each moved under the private prefix (the defaults need root).
NGINX_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen[Any] | None, sig: int = signal.SIGTERM) -> None:
    """Send `sig` and wait; kill what does not exit within STOP_TIMEOUT seconds."""
    if process is not None and process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0, interval: float = 0.05) -> None:
    """Poll `condition` until it holds; AssertionError naming `what` after `timeout` seconds.

    An AssertionError so that a test reads it as a failed expectation; the bench reports it
    like any other failure of a figure.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting until {what}")
        time.sleep(interval)


def worker_pid(master: int, timeout: float = 10.0) -> int:
    """The one worker of a gunicorn master started with one worker (the process that serves).

    Waits for it to be forked; more than one child means the caller's premise is wrong.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
            if len(children) > 1:
                raise AssertionError(f"gunicorn master {master} has {len(children)} workers: {children}")
            if children:
                return int(children[0])
        time.sleep(0.1)
    raise RuntimeError(f"no worker process under gunicorn master {master}")


class PrivateRedis:
    """A non-persistent redis-server on a free loopback port, never the shared one on 6379:
    pub/sub channels are global to a Redis server, so a shared one would mix our bid events
    with any other run's. stop() and start() again keep the port, like a restarted Redis."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        """Start it and wait until it answers PING."""
        if REDIS_SERVER is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, "redis-server answers", 10)
        return self

    def answers(self) -> bool:
        """Whether it answers PING now."""
        import redis  # a dependency of the app (the message queue), imported only when used

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop it (its data goes with it: nothing is saved)."""
        stop_process(self.process)

    def __enter__(self) -> PrivateRedis:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def nginx_prefix(prefix: str) -> Path:
    """A fresh temp directory for one private nginx: its config, pid, logs and temp paths."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    directory.chmod(0o755)  # workers drop to an unprivileged user when run as root
    return directory


def nginx_main_config(directory: Path, site: Path, *, worker_connections: int, http_directives: str = "") -> str:
    """The main nginx.conf of a private nginx in the foreground: one worker, everything under
    `directory`, the site config `site` included in `http`, plus `http_directives` (logs)."""
    temp_paths = "\n".join(f"    {kind}_temp_path {directory / kind};" for kind in NGINX_TEMP_PATHS)
    extra = "".join(f"    {line.strip()}\n" for line in http_directives.strip().splitlines())
    return f"""daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
{extra}{temp_paths}
    include {site};
}}
"""


def start_nginx(directory: Path) -> subprocess.Popen[bytes]:
    """Check `directory`/nginx.conf with `nginx -t`, then run it in the foreground."""
    config = ["-p", str(directory), "-c", str(directory / "nginx.conf")]
    check = subprocess.run([NGINX, "-t", *config], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    return subprocess.Popen(
        [NGINX, *config], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop_nginx(process: subprocess.Popen[bytes] | None, directory: Path) -> None:
    """Stop gracefully (SIGQUIT flushes buffered access logs) and remove its directory."""
    stop_process(process, signal.SIGQUIT)
    shutil.rmtree(directory, ignore_errors=True)


def mint_api_token(session: Any, user_id: int, ttl: timedelta = timedelta(days=2)) -> str:
    """A bearer token for `user_id`, stored as the app stores one (its digest) in `session`
    (not committed); returns the secret. Skips the login endpoint and its password hash."""
    from bidbazaar.accounts import token_digest
    from bidbazaar.models import AuthToken, utcnow

    secret = secrets.token_urlsafe(32)
    session.add(
        AuthToken(user_id=user_id, kind=AuthToken.API, token_hash=token_digest(secret), expires_at=utcnow() + ttl)
    )
    return secret
