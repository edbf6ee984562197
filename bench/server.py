"""Start the server under test on 127.0.0.1, pinned to one core, and stop it again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.data import BENCH_ENV, ROOT
from devtools.processes import SCRUBBED_ENV, free_port, stop_process

#: The bench-only ceiling route that bench/serve_app.py adds to the app.
TRIVIAL_PATH = "/__bench/trivial"


def cores() -> tuple[str | None, str | None]:
    """(server core, load-generator core), or (None, None) when pinning is not possible."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2 or shutil.which("taskset") is None:
        return None, None
    return str(available[0]), str(available[1])


def pinned(command: list[str], core: str | None) -> list[str]:
    return ["taskset", "-c", core, *command] if core is not None else command


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (gunicorn's worker, nginx's worker)."""
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                frontier += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


_TICKS = float(os.sysconf("SC_CLK_TCK"))


def tree_cpu_seconds(pid: int) -> float:
    """utime + stime of pid and its descendants so far, from /proc/<pid>/stat."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / _TICKS


def uses_gunicorn() -> bool:
    return (ROOT / "gunicorn.conf.py").exists() and (ROOT / "wsgi.py").exists()


class Server:
    def __init__(self, database_url: str, core: str | None, app: str = "bench.serve_app:app") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.core = core
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        self.env.update(BENCH_ENV)
        self.env.update({"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(self.port)})
        self.env["PYTHONUNBUFFERED"] = "1"
        self._logs = Path(tempfile.mkdtemp(prefix="bb-bench-server-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.cwd = ROOT
        if uses_gunicorn():
            gunicorn = Path(sys.executable).with_name("gunicorn")
            if not gunicorn.exists():
                raise RuntimeError(f"gunicorn.conf.py is in the repo but {gunicorn} is not installed")
            # The repo's config decides the worker class; the bench asks for one worker
            # (one core) on a loopback port. Command-line settings override the file's.
            self.command = [
                str(gunicorn),
                "-c",
                "gunicorn.conf.py",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
                app,
            ]
            self.kind = "gunicorn (repo gunicorn.conf.py, 1 worker)"
        else:
            self.command = [sys.executable, "-m", "bench.serve_app"]
            self.kind = "python main.py equivalent (Werkzeug, threading)"

    def start(self) -> Server:
        with (self._logs / "stdout.log").open("wb") as out, (self._logs / "stderr.log").open("wb") as err:
            self.process = subprocess.Popen(
                pinned(self.command, self.core),
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.stderr_text()[-4000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not healthy after 60 s:\n{self.stderr_text()[-4000:]}")

    def stop(self) -> None:
        stop_process(self.process)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far."""
        return tree_cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def stderr_text(self) -> str:
        path = self._logs / "stderr.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
