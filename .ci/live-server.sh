# Sourced by .ci/contract, .ci/client-typescript and .ci/client-postman (issue 17): one
# `python main.py` on a free loopback port with a throwaway SQLite database, healthy before
# start_live_server returns, stopped (and its directory removed) when the script exits.
#
#     source .ci/live-server.sh
#     start_live_server NAME [SETTING=value ...]   # sets BASE_URL; LIVE_DIR is a scratch dir
#     ...
#     assert_no_traceback
#
# The quiet defaults (no mail sender, no ending-soon notices, a cheap password hash, the
# closer every 5 s) may be overridden by the SETTING=value arguments. Needs the venv active.

LIVE_DIR="$(mktemp -d)"
LIVE_LOG="$LIVE_DIR/server.log"
LIVE_PID=""
BASE_URL=""

stop_live_server() {
    if [[ -n "$LIVE_PID" ]] && kill -0 "$LIVE_PID" 2>/dev/null; then
        kill "$LIVE_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$LIVE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$LIVE_PID" 2>/dev/null || true
    fi
    rm -rf "$LIVE_DIR"
}
trap stop_live_server EXIT

start_live_server() {
    local name="$1" port
    shift
    port="$(python -c 'from devtools.processes import free_port; print(free_port())')"
    BASE_URL="http://127.0.0.1:$port"
    printf '\n==> live server on %s (SQLite in %s)\n' "$BASE_URL" "$LIVE_DIR"
    env HOST=127.0.0.1 PORT="$port" DATABASE_URL="sqlite:///$LIVE_DIR/$name.db" \
        SECRET_KEY="$name-ci-secret-key-0123456789abcdef" PASSWORD_HASH_METHOD=pbkdf2:sha256:1000 \
        MAIL_SEND_SECONDS=0 ENDING_SOON_MINUTES=0 CLOSE_SWEEP_SECONDS=5 PYTHONUNBUFFERED=1 "$@" \
        python main.py >"$LIVE_LOG" 2>&1 &
    LIVE_PID=$!
    for _ in $(seq 1 150); do
        curl -fsS "$BASE_URL/api/health" >/dev/null 2>&1 && return 0
        kill -0 "$LIVE_PID" 2>/dev/null || break
        sleep 0.2
    done
    cat "$LIVE_LOG" >&2
    echo "the $name server did not become healthy" >&2
    return 1
}

assert_no_traceback() {
    if grep -q "Traceback" "$LIVE_LOG"; then
        grep -n -A20 "Traceback" "$LIVE_LOG" | head -60 >&2
        echo "the server logged a traceback" >&2
        return 1
    fi
}
