#!/usr/bin/env bash
# Read-API benchmark, one command:  ./bench/run.sh
#
# Prepares a PostgreSQL database (reviewboard_bench, created if missing; BENCH_DATABASE_URL to
# change it) with approved articles of many sections, citations and reviewers, serves the app
# with gunicorn on 127.0.0.1 (a free port), and loads it from a second process for the same time
# per endpoint: the detail endpoint, the list endpoint, a 304 conditional request, and the ceiling
# (the same payload bytes from memory through the same middleware, bench-only URLconf).
# Prints requests/s, p50/p99 and the detail/ceiling ratio; figures go in bench/RESULTS.md.
#
# Knobs: BENCH_ARTICLES (200) BENCH_DURATION (2 s per endpoint per round) BENCH_ROUNDS (5)
#        BENCH_WORKERS (nproc) BENCH_THREADS (2 per worker) BENCH_CLIENT_PROCESSES (2) BENCH_CLIENT_THREADS (4)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || ./scripts/bootstrap
PY=.venv/bin/python

export DJANGO_SETTINGS_MODULE=bench.settings
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/reviewboard_bench}
export DJANGO_SECRET_KEY=bench-only-not-a-secret
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export EMAIL_URL=consolemail://                           # required by production settings; no mail is sent here
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}  # required by production settings; never contacted here
export CACHE_URL=${CACHE_URL:-locmemcache://}            # throttle counted per process (set redis://... to measure a shared one)
export API_KEY_THROTTLE_RATE=1000000000/min               # measure the throttle's cost, not its refusals
export DB_CONN_MAX_AGE=60
export AUDIT_CHECKPOINT_KEY=bench-only-not-a-secret         # required by production settings
export BENCH_PAYLOAD_FILE=bench/out/payload.json
mkdir -p bench/out

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$(free -g | awk '/Mem:/ {print $2}') GB RAM, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
$PY bench/createdb.py
$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
echo "== preparing ${BENCH_ARTICLES:-200} approved articles"
info=$($PY -m bench.prepare --articles "${BENCH_ARTICLES:-200}" --payload-file "$BENCH_PAYLOAD_FILE")
slug=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["slug"])' "$info")
key=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["key"])' "$info")
etag=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["etag"])' "$info")
size=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["bytes"])' "$info")
port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
workers=${BENCH_WORKERS:-$(nproc)}
threads=${BENCH_THREADS:-2}

.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$port" --workers "$workers" \
  --worker-class gthread --threads "$threads" --keep-alive 30 --log-level warning &
server=$!
# The same app with the 1 s detail micro-cache off: every detail request asks the database.
port0=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
API_DETAIL_CACHE_SECONDS=0 .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$port0" --workers "$workers" \
  --worker-class gthread --threads "$threads" --keep-alive 30 --log-level warning &
server0=$!
trap 'kill "$server" "$server0" 2>/dev/null; wait "$server" "$server0" 2>/dev/null || true' EXIT
$PY - "$port" "$port0" <<'PYEOF'
import sys, time, urllib.request
for port in sys.argv[1:]:
    url = f"http://127.0.0.1:{port}/bench/ceiling/"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("gunicorn did not come up")
PYEOF

echo "== gunicorn: $workers workers x $threads threads on 127.0.0.1:$port; payload $size bytes (/api/v1/articles/$slug/)"
spec=$($PY - "$slug" "$key" "$etag" "$port0" <<'PYEOF'
import json, sys
slug, key, etag, port0 = sys.argv[1:]
auth = {"Authorization": f"Api-Key {key}"}
print(json.dumps([
    {"name": "ceiling", "path": "/bench/ceiling/", "headers": auth},
    {"name": "detail", "path": f"/api/v1/articles/{slug}/", "headers": auth},
    {"name": "detail-uncached", "path": f"/api/v1/articles/{slug}/", "headers": auth, "port": int(port0)},
    {"name": "list", "path": "/api/v1/articles/?page_size=20", "headers": auth},
    {"name": "304", "path": f"/api/v1/articles/{slug}/", "headers": {**auth, "If-None-Match": etag}, "status": 304},
]))
PYEOF
)
$PY bench/load.py --port "$port" --duration "${BENCH_DURATION:-2}" --rounds "${BENCH_ROUNDS:-5}" \
  --processes "${BENCH_CLIENT_PROCESSES:-2}" --threads "${BENCH_CLIENT_THREADS:-4}" --spec "$spec" \
  --json-out bench/out/read_api.json
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
