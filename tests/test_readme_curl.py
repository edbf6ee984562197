"""The README's curl walk-through, run verbatim against the real server.

The bash block of the README section that names this file is extracted and run with
`bash -e -o pipefail`; only its `BASE=http://localhost:5050` line is pointed at the live
server's port. Any command that fails, or a response without the field the next step
reads, fails the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers import ROOT
from live_server import LiveServer

README = ROOT / "README.md"
BASE_LINE = "BASE=http://localhost:5050"


def readme_flow() -> str:
    """The bash block(s) of the README section that says this test runs it."""
    sections = re.split(r"^## ", README.read_text(), flags=re.MULTILINE)
    tested = [s for s in sections if f"tests/{Path(__file__).name}" in s]
    assert len(tested) == 1, "exactly one README section should name this test"
    blocks = re.findall(r"^```bash\n(.*?)^```$", tested[0], flags=re.MULTILINE | re.DOTALL)
    assert blocks, "no ```bash block in the README's curl section"
    return "\n".join(blocks)


def json_documents(text: str) -> list[dict[str, Any]]:
    """The JSON bodies curl printed back to back (curl adds no newline after a body)."""
    decoder, documents, position = json.JSONDecoder(), [], 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
    return documents


def test_the_readme_block_sets_base_once_and_uses_it_everywhere():
    script = readme_flow()
    assert script.count(BASE_LINE) == 1 and script.startswith(BASE_LINE)
    assert "localhost" not in script.replace(BASE_LINE, "")
    for step in ("/api/auth/register", "/api/auth/login", "/api/auctions", "/bids", "/award", "/confirm", "/review"):
        assert step in script, step


def test_the_readme_curl_flow_runs_verbatim_against_a_live_server(app: Any, database_url: str, tmp_path: Path):
    script = readme_flow()
    with LiveServer(database_url, env={"CLOSE_SWEEP_SECONDS": "0"}) as server:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-s"],
            input=script.replace(BASE_LINE, f"BASE={server.url}", 1),
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=120,
        )
        stderr = server.stderr_text()
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in stderr, stderr
    printed = json_documents(result.stdout)
    assert [d.get("message") for d in printed] == [
        *["User registered successfully"] * 2,
        "Auction awarded",
        "Booking confirmed",
        "Marked done",
        "Booking completed",
        *["Review saved"] * 2,
        None,  # the provider's public profile
    ], printed
    auction = printed[2]["auction"]
    assert auction["status"] == "completed"
    assert auction["winning_bid"]["amount"] == 1500 and auction["winning_bid"]["status"] == "accepted"
    assert auction["category_name"] == "Plumbing"

    assert printed[3]["booking"]["customer"]["email"] == "priya@example.com"  # contacts once confirmed
    assert printed[5]["booking"]["status"] == "completed"
    profile = printed[-1]["user"]
    assert profile["username"] == "ravi"
    assert (profile["reputation"]["rating"], profile["reputation"]["completed"]) == (5, 1)
