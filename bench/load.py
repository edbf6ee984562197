"""wrk runs: GET endpoints and bearer-token bids, each summarised as one JSON line.

The Lua below counts responses by status (and, for bids, by error code) in every wrk
thread and prints them with the latency percentiles from `done()`, so a 5xx or a 409
never hides inside a throughput figure.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.server import pinned

REPORT_LUA = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 400 and body then
    local code = string.match(body, '"code"%s*:%s*"([A-Z_]+)"')
    if code then codes[code] = (codes[code] or 0) + 1 end
  end
end
function done(summary, latency, requests)
  local s, c = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do s[tostring(k)] = (s[tostring(k)] or 0) + v end
    for k, v in pairs(t:get("codes")) do c[k] = (c[k] or 0) + v end
  end
  local function obj(t)
    local parts = {}
    for k, v in pairs(t) do table.insert(parts, string.format('"%s": %d', k, v)) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "socket_errors": %d, "timeouts": %d, "statuses": %s, "codes": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write, e.timeout, obj(s), obj(c)))
end
"""

GET_LUA = r"""
statuses, codes = {}, {}
function init(args) statuses, codes = {}, {} end
"""

# Every request is a bid on one of `auctions` by the next of `tokens` (round robin), for
# one less than the last amount this wrk thread offered on that auction. A bid that lost a
# race is a 409 BID_TOO_HIGH after the full locked transaction: it counts as processed,
# not accepted.
BID_LUA = r"""
statuses, codes = {}, {}
local n, amounts = 0, {}
function init(args) statuses, codes = {}, {} end
function request()
  n = n + 1
  local auction = auctions[(n % #auctions) + 1]
  local token = tokens[(n % #tokens) + 1]
  local amount = (amounts[auction] or budget) - 1
  amounts[auction] = amount
  local body = string.format('{"amount": %d, "description": "bench bid"}', amount)
  return wrk.format("POST", "/api/auctions/" .. auction .. "/bids",
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
"""


@dataclass
class Run:
    label: str
    path: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    timeouts: int
    statuses: dict[str, int] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def per_second(self, status: str) -> float:
        return self.statuses.get(status, 0) / self.seconds if self.seconds else 0.0

    @property
    def server_errors(self) -> int:
        return sum(v for k, v in self.statuses.items() if k.startswith("5"))

    @property
    def unexpected(self) -> int:
        """Responses other than 200 (GET runs)."""
        return sum(v for k, v in self.statuses.items() if k != "200")


class Wrk:
    def __init__(self, base_url: str, core: str | None, duration: float, warmup: float) -> None:
        self.base_url = base_url
        self.core = core
        self.duration = duration
        self.warmup = warmup
        self._dir = Path(tempfile.mkdtemp(prefix="bb-bench-wrk-"))

    def _script(self, name: str, body: str) -> Path:
        path = self._dir / f"{name}.lua"
        path.write_text(body + REPORT_LUA)
        return path

    def _wrk(self, script: Path, path: str, connections: int, seconds: float) -> dict:
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"{self.base_url}{path}",
        ]
        done = subprocess.run(pinned(command, self.core), capture_output=True, text=True, check=True)
        line = next((x for x in done.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
        return json.loads(line[len("BENCHJSON ") :])

    def _run(self, label: str, script: Path, path: str, connections: int) -> Run:
        if self.warmup > 0:
            self._wrk(script, path, connections, self.warmup)
        raw = self._wrk(script, path, connections, self.duration)
        return Run(
            label=label,
            path=path,
            connections=connections,
            requests=raw["requests"],
            seconds=raw["duration_us"] / 1e6,
            p50_ms=raw["p50_us"] / 1000,
            p90_ms=raw["p90_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            max_ms=raw["max_us"] / 1000,
            socket_errors=raw["socket_errors"],
            timeouts=raw["timeouts"],
            statuses=raw["statuses"],
            codes=raw["codes"],
        )

    def get(self, label: str, path: str, connections: int, token: str | None = None) -> Run:
        """GETs of `path`; with `token`, each carries it as a bearer credential."""
        if token is None:
            return self._run(label, self._script("get", GET_LUA), path, connections)
        header = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        return self._run(label, self._script("get-signed-in", header + GET_LUA), path, connections)

    def bids(self, label: str, auctions: list[int], tokens: list[str], budget: int, connections: int) -> Run:
        """Bids with no warm-up: every accepted bid is part of the measured ladder."""
        table = lambda values: "{" + ", ".join(json.dumps(v) for v in values) + "}"  # noqa: E731
        header = f"auctions = {table(auctions)}\ntokens = {table(tokens)}\nbudget = {budget}\n"
        script = self._script(f"bids-{len(auctions)}-{connections}", header + BID_LUA)
        warmup, self.warmup = self.warmup, 0
        try:
            return self._run(label, script, f"/api/auctions/{auctions[0]}/bids", connections)
        finally:
            self.warmup = warmup
