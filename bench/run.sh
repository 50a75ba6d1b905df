#!/usr/bin/env bash
# Read-API benchmark, one command:  ./bench/run.sh
#
# Prepares PostgreSQL databases (reviewboard_bench_<size>, created if missing; BENCH_DATABASE_URL
# to change the base name) with approved articles of many sections, citations and reviewers, serves
# the app with gunicorn on 127.0.0.1 (free ports), and loads it from a second process for the same
# time per endpoint: the detail endpoint, the list endpoint, a 304 conditional request, and two
# ceilings (bench-only URLconf): the same payload bytes from memory through the project's full
# middleware ("ceiling"), and through a plain Django view with no middleware ("plain").
# Prints requests/s, p50/p99 and the ratios to the ceiling; figures go in bench/RESULTS.md.
#
# The catalogue sizes in BENCH_SIZES ("200 2000 20000") are measured side by side: one database per
# size (<name>_<size>), its own servers, and every round loads each endpoint at each size one after
# the other, so that a change in the machine's load between sizes cannot pass for a cost of size.
# Writes the query plans of the list and the detail at each size (bench/out/plans-N.txt).
#
# Knobs: BENCH_SIZES ("200 2000 20000") BENCH_DURATION (2 s per endpoint per size per round) BENCH_ROUNDS (5)
#        BENCH_WORKERS (nproc) BENCH_THREADS (2 per worker) BENCH_CLIENT_PROCESSES (2) BENCH_CLIENT_THREADS (4)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || ./scripts/bootstrap
PY=.venv/bin/python

export DJANGO_SETTINGS_MODULE=bench.settings
BASE_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/reviewboard_bench}
export DJANGO_SECRET_KEY=bench-only-not-a-secret
export AUDIT_CHECKPOINT_KEY=bench-only-not-a-secret          # required by production settings; no checkpoint is signed here
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export EMAIL_URL=consolemail://                           # required by production settings; no mail is sent here
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}  # required by production settings; never contacted here
export CACHE_URL=${CACHE_URL:-locmemcache://}            # throttle counted per process (set redis://... to measure a shared one)
export API_KEY_THROTTLE_RATE=1000000000/min               # measure the throttle's cost, not its refusals
export DB_CONN_MAX_AGE=60
mkdir -p bench/out

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$(free -g | awk '/Mem:/ {print $2}') GB RAM, $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
sizes=${BENCH_SIZES:-200 2000 20000}
workers=${BENCH_WORKERS:-$(nproc)}
threads=${BENCH_THREADS:-2}
free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
servers=()
serve() {  # serve PORT [ENV=VALUE ...]: the app under gunicorn, with these settings changed
  local p=$1; shift
  env "$@" .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$p" --workers "$workers" \
    --worker-class gthread --threads "$threads" --keep-alive 30 --log-level warning &
  servers+=($!)
}
trap 'kill "${servers[@]}" 2>/dev/null; wait "${servers[@]}" 2>/dev/null || true' EXIT
$PY -m bench.spec --reset
for n in $sizes; do
  export DATABASE_URL="${BASE_DATABASE_URL}_$n" BENCH_PAYLOAD_FILE="bench/out/payload-$n.json"
  echo "== preparing $n approved articles in ${DATABASE_URL##*/}"
  $PY bench/createdb.py
  $PY manage.py migrate --noinput -v0
  $PY manage.py collectstatic --noinput -v0
  info=$($PY -m bench.prepare --articles "$n" --payload-file "$BENCH_PAYLOAD_FILE")
  # Four servers per size: the app as configured (1 s detail micro-cache; prepared statements after
  # 5 runs; a connection health check per request), the same with the micro-cache off (the database
  # on every detail request), that without prepared statements (psycopg's client-side binding,
  # Django's default), and that without the health check (DB_CONN_HEALTH_CHECKS=false).
  port=$(free_port); serve "$port"
  port0=$(free_port); serve "$port0" API_DETAIL_CACHE_SECONDS=0
  port1=$(free_port); serve "$port1" API_DETAIL_CACHE_SECONDS=0 DB_SERVER_SIDE_BINDING=false DB_PREPARE_THRESHOLD=off
  port2=$(free_port); serve "$port2" API_DETAIL_CACHE_SECONDS=0 DB_CONN_HEALTH_CHECKS=false
  # A fifth: uncached, through the replica router (config/replicas.py) with the database itself as its
  # "replica": what the replica path costs in the app (choice, lag checks, a second connection).
  port3=$(free_port); serve "$port3" API_DETAIL_CACHE_SECONDS=0 DATABASE_REPLICA_URLS="$DATABASE_URL"
  $PY -m bench.spec --size "$n" --info "$info" --ports "$port" "$port0" "$port1" "$port2" "$port3"
  $PY -m bench.plans --slug "$($PY -m bench.spec --get slug --info "$info")" \
    --cursor "$($PY -m bench.spec --get last_cursor --info "$info")" > "bench/out/plans-$n.txt"
done
echo "== gunicorn: $workers workers x $threads threads per server, 5 servers per size; sizes: $sizes"
$PY -m bench.spec --wait
$PY bench/load.py --duration "${BENCH_DURATION:-2}" --rounds "${BENCH_ROUNDS:-5}" \
  --processes "${BENCH_CLIENT_PROCESSES:-2}" --threads "${BENCH_CLIENT_THREADS:-4}" --spec-file bench/out/spec.json \
  --json-out bench/out/read_api.json
echo "== query plans: bench/out/plans-<size>.txt"
$PY -m bench.summary bench/out/read_api.json
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
