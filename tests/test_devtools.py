"""devtools.processes, the machinery tests and bench share: the nginx main config it builds
is one nginx accepts, with the caller's worker_connections."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devtools.processes import NGINX, nginx_main_config, nginx_prefix, stop_nginx


@pytest.mark.parametrize("connections", [1024, 4096])
def test_the_nginx_main_config_carries_the_callers_worker_connections_and_passes_nginx_t(connections: int) -> None:
    directory = nginx_prefix("bb-test-nginx-")
    try:
        site = directory / "site.conf"
        site.write_text("server { listen 127.0.0.1:1; return 204; }\n")
        main = nginx_main_config(directory, site, worker_connections=connections, http_directives="access_log off;")
        (directory / "nginx.conf").write_text(main)

        assert f"events {{ worker_connections {connections}; }}" in main
        assert "    access_log off;\n" in main
        if not Path(NGINX).exists():
            pytest.skip("nginx is not installed: run .ci/install-nginx")
        check = subprocess.run(
            [NGINX, "-t", "-p", str(directory), "-c", str(directory / "nginx.conf")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr
    finally:
        stop_nginx(None, directory)
