"""gunicorn settings for Bid Bazaar: `gunicorn -c gunicorn.conf.py wsgi:app`.

One worker per gunicorn process: Flask-SocketIO keeps each client's Socket.IO session in
the memory of the process that accepted it, so more processes means more gunicorn
instances (each on its own port) behind nginx with sticky sessions and
SOCKETIO_MESSAGE_QUEUE pointing at Redis (deploy/nginx.conf).

Worker class: gevent, measured here (2 cores; one gunicorn process of the real app on
PostgreSQL; idle WebSocket clients in namespace /auctions answering pings; RSS of the worker):

    worker                     clients asked   held    worker RSS       per client   OS threads
    gevent                     1,000           1,000   97 -> 162 MiB    ~66 KiB      1
    gevent                     2,000           2,000   98 -> 228 MiB    ~66 KiB      1
    gthread --threads 200      300             200     93 -> 115 MiB    ~74 KiB      803 (the other 100 timed out)
    gthread --threads 1000     1,000           1,000   93 -> 202 MiB    ~111 KiB     4,003

    HTTP, wrk -t2 --timeout 10s, GET /api/categories, two 10 s runs each (req/s):
    gevent   -c10: 508, 514    -c50: 747, 540
    gthread  -c10: 634, 661    -c50: 464, 428   (--threads 200)

A WebSocket holds gthread threads for its whole life (four per client with
simple-websocket), so gthread caps live clients at --threads and pays ~1.7x the memory
per client; gevent holds them as greenlets, and HTTP throughput is the same within the
noise (one process is bound by one core either way: add processes, not threads).
WebSocket support under gevent comes from simple-websocket; gevent-websocket must NOT be
installed (engine.io would then expect its own worker class). psycopg 3 (>= 3.1.14)
cooperates with gevent by itself.

Every setting can be overridden with GUNICORN_* environment variables below, or on the
command line (`gunicorn -c gunicorn.conf.py -b 127.0.0.1:8001 wsgi:app`).
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5050')}")
workers = 1  # Flask-SocketIO: one worker per process; scale with more processes
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")

if worker_class == "gevent":
    # Open WebSockets count against this limit: well above gunicorn's default of 1,000.
    worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "10000"))
    async_mode = "gevent"
else:  # gthread: one thread per open WebSocket
    threads = int(os.environ.get("GUNICORN_THREADS", "200"))
    async_mode = "threading"

# Socket.IO must run on the same concurrency model as the worker; set it for the app the
# worker imports (wsgi.py), overriding a .env meant for `python main.py`.
os.environ["SOCKETIO_ASYNC_MODE"] = async_mode

# A WebSocket or long-poll request is long-lived by design; the gevent worker's timeout
# only watches the worker's heartbeat, not request length.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The app trusts X-Forwarded-* through its own ProxyFix setting; gunicorn's defaults
# (trust only 127.0.0.1) stay as they are.
