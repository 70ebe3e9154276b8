#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The issuer benchmark: authd beside node oidc-provider and Glewlwyd, one server at a time, with
# the same client, user and measurements, and a table of the ratios authd/peer against the
# targets of issue 3. See bench/README.md.
#
#   bench/run.sh [--issuers "authd oidc-provider glewlwyd"] [--runs 3] [--duration 10]
#                [--conns 32] [--threads 2] [--startup-runs 5] [--flow-concurrency 4]
#                [--only "startup discovery jwks cc userinfo introspect refresh flows"]
#                [--authd-id-token-alg HS256|RS256] [--authd-server-threads N]
#                [--glewlwyd-pbkdf2 N] [--out DIR]
#   bench/run.sh --external NAME --issuer URL --client-id ID --client-secret S --user U
#                --password P --driver authd|html-form|oidc-provider-dev|glewlwyd [--pid PID]
#                [--cc-scope "..."]        (an issuer that is already running; no start-up runs)
#
# authd: AUTHD_BENCH_BUILD_DIR=<release build dir> uses an existing build; otherwise
# `cmake --preset release` + `cmake --build --preset release` build what is needed.
# Everything listens on 127.0.0.1; every server started here is stopped on exit.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
export BENCH_WRK_DIR="$HERE/wrk"

ISSUERS="authd oidc-provider glewlwyd"
RUNS=3 DURATION=10 CONNS=32 THREADS=2 STARTUP_RUNS=5 FLOW_CONC=4
ONLY="startup discovery jwks cc userinfo introspect refresh flows"
AUTHD_ID_ALG="" AUTHD_SERVER_THREADS="" GLWD_ITER="" OUT=""
EXT_NAME="" EXT_ISSUER="" EXT_CLIENT_ID="" EXT_CLIENT_SECRET="" EXT_USER="" EXT_PASSWORD=""
EXT_DRIVER="html-form" EXT_PID="" EXT_CC_SCOPE=""
usage() { sed -n '3,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --issuers) ISSUERS="$2";; --runs) RUNS="$2";; --duration) DURATION="$2";; --conns) CONNS="$2";;
    --threads) THREADS="$2";; --startup-runs) STARTUP_RUNS="$2";; --flow-concurrency) FLOW_CONC="$2";;
    --only) ONLY="$2";; --authd-id-token-alg) AUTHD_ID_ALG="$2";;
    --authd-server-threads) AUTHD_SERVER_THREADS="$2";; --glewlwyd-pbkdf2) GLWD_ITER="$2";;
    --out) OUT="$2";;
    --external) EXT_NAME="$2";; --issuer) EXT_ISSUER="$2";; --client-id) EXT_CLIENT_ID="$2";;
    --client-secret) EXT_CLIENT_SECRET="$2";; --user) EXT_USER="$2";; --password) EXT_PASSWORD="$2";;
    --driver) EXT_DRIVER="$2";; --pid) EXT_PID="$2";; --cc-scope) EXT_CC_SCOPE="$2";;
    *) usage;;
  esac
  shift 2
done
for n in "$RUNS" "$DURATION" "$CONNS" "$THREADS" "$STARTUP_RUNS" "$FLOW_CONC"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "counts and durations must be positive integers, got '$n'" >&2; exit 2; }
done
if [ -n "$EXT_NAME" ]; then
  ISSUERS="$EXT_NAME"
  [ -n "$EXT_ISSUER" ] && [ -n "$EXT_CLIENT_ID" ] && [ -n "$EXT_CLIENT_SECRET" ] ||
    { echo "--external needs --issuer, --client-id and --client-secret" >&2; exit 2; }
fi

# Same client, user and redirect URI for every issuer (authd names its client itself).
REDIRECT_URI="http://127.0.0.1:19099/cb"    # nothing listens there: the client reads the code from the Location
USER_NAME="alice" USER_EMAIL="alice@example.test" USER_PASSWORD="correct-horse-battery"
PORT_AUTHD=19010 PORT_OP=19011 PORT_GLWD=19012

need() { command -v "$1" >/dev/null || { echo "bench/run.sh needs $1 ($2)" >&2; exit 1; }; }
need wrk "apt-get install wrk"; need curl "apt-get install curl"; need python3 "apt-get install python3"
need node "Node.js >= 20"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$HERE/results/$STAMP}"
mkdir -p "$OUT/raw"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
WORK="$(mktemp -d /tmp/authd-bench.XXXXXX)"
SERVER_PID=""
# The servers' logs without their per-request lines (a full run would leave about a GiB).
shrink_logs() {
  local f
  for f in "$OUT"/raw/*.server.log; do
    [ -f "$f" ] || continue
    grep -v '"event":"http.request"' "$f" > "$f.tmp" || true
    mv "$f.tmp" "$f"
  done
}
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  shrink_logs
}
cleanup() { stop_server; rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

load1() { cut -d' ' -f1 /proc/loadavg; }
log() { printf '[%s load %s] %s\n' "$(date +%H:%M:%S)" "$(load1)" "$*"; }
# record ISSUER METRIC RUN JSON: one line of results.jsonl, with the load average at that moment
record() {
  python3 - "$1" "$2" "$3" "$4" "$(load1)" >> "$RESULTS" <<'PY'
import json, sys
issuer, metric, run, data, load = sys.argv[1:6]
print(json.dumps({"issuer": issuer, "metric": metric, "run": int(run), **json.loads(data), "load1": float(load)}))
PY
}
jfield() { python3 -c 'import json,sys; d=json.loads(sys.stdin.readline() or "{}"); print(d.get(sys.argv[1]) or "")' "$1"; }
proc_kib() { awk -v f="$2:" '$1==f{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
wait_ready() { # URL PID
  for _ in $(seq 1 3000); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server exited; see $OUT/raw/" >&2; return 1; }
    sleep 0.01
  done
  echo "no answer from $1" >&2; return 1
}
# start_server NAME READY_URL CMD...: in its own session, output to raw/NAME.server.log
start_server() {
  local name="$1" url="$2"; shift 2
  # Poco's server socket sets SO_REUSEPORT: a second server on the same port would share it
  # silently, so make sure nothing is there yet.
  if curl -s -o /dev/null "$url"; then echo "something already answers on $url; stop it first" >&2; exit 1; fi
  setsid "$@" >> "$OUT/raw/$name.server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$url" "$SERVER_PID"
}

# ---------------------------------------------------------------- issuers: set-up and commands
# Each prepare_X sets: NAME ISSUER CLIENT_ID CLIENT_SECRET FLOW_USER DRIVER CC_SCOPE CMD (array)
# SERVER_ENV (array of NAME=VALUE), VERSION.

AUTHD_BUILD=""
authd_build() {
  if [ -n "${AUTHD_BENCH_BUILD_DIR:-}" ]; then
    AUTHD_BUILD="$AUTHD_BENCH_BUILD_DIR"
  else
    (cd "$ROOT" && cmake --preset release >/dev/null &&
      cmake --build --preset release --target authd authd_sqlite authd_password authd_outbox argon2_bench) >&2 ||
      { echo "release build failed; set AUTHD_BENCH_BUILD_DIR to a working release build (see bench/README.md)" >&2; exit 1; }
    AUTHD_BUILD="$ROOT/build/release"
  fi
  for f in bin/authd bin/argon2_bench plugins/authd_sqlite.so plugins/authd_password.so plugins/authd_outbox.so; do
    [ -e "$AUTHD_BUILD/$f" ] || { echo "missing $AUTHD_BUILD/$f" >&2; exit 1; }
  done
}

# authd_config FILE DATA_DIR T_COST M_COST_KIB: config/authd.dev.yaml with this run's port,
# paths and Argon2id cost (and --authd-server-threads / --authd-id-token-alg when given)
authd_config() {
  python3 "$HERE/authd_config.py" "$ROOT/config/authd.dev.yaml" "$1" "$PORT_AUTHD" "$AUTHD_BUILD/plugins" "$2" "$3" "$4" \
    "$AUTHD_SERVER_THREADS" "$AUTHD_ID_ALG"
}

AUTHD_CHEAP_T=1 AUTHD_CHEAP_M=8   # the cheapest cost the config accepts (m_cost_kib >= 8)
# prepare_authd [cheap]: a new data dir and config (the configured Argon2id cost of
# config/authd.dev.yaml, or the cheapest), first start (database, provider keys), then the
# project and the user through the bootstrap admin API. The cheap variant gets its own data dir
# because a stored hash keeps the cost it was made with.
prepare_authd() {
  local variant="${1:-configured}" dir t m
  [ -n "$AUTHD_BUILD" ] || authd_build
  AUTHD_T=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["password_hashing"]["t_cost"])' "$ROOT/config/authd.dev.yaml")
  AUTHD_M=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["password_hashing"]["m_cost_kib"])' "$ROOT/config/authd.dev.yaml")
  if [ "$variant" = cheap ]; then dir="$WORK/authd-cheap" t=$AUTHD_CHEAP_T m=$AUTHD_CHEAP_M
  else dir="$WORK/authd" t=$AUTHD_T m=$AUTHD_M; fi
  rm -rf "$dir"; mkdir -p "$dir/var"
  (umask 077; python3 -c 'import secrets; print(secrets.token_hex(32))' > "$dir/var/master.key")
  local admin; admin="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
  authd_config "$dir/authd.yaml" "$dir" "$t" "$m"
  NAME=authd ISSUER="http://127.0.0.1:$PORT_AUTHD" FLOW_USER="$USER_EMAIL" DRIVER=authd CC_SCOPE="" TOKENS_CONC=4
  CMD=("$AUTHD_BUILD/bin/authd" serve --config "$dir/authd.yaml")
  SERVER_ENV=("AUTHD_ADMIN_TOKEN=$admin")
  VERSION="$("$AUTHD_BUILD/bin/authd" --version 2>/dev/null | head -1 || true) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$AUTHD_BUILD/CMakeCache.txt" 2>/dev/null)); Argon2id t=$t m=${m} KiB"
  start_server authd "$ISSUER/healthz" env "${SERVER_ENV[@]}" "${CMD[@]}"
  local api="$ISSUER/admin/api/v1" project
  project="$(curl -sf -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench client\",\"redirect_uris\":[\"$REDIRECT_URI\"],\"client_type\":\"confidential\",
         \"grant_types\":[\"authorization_code\",\"refresh_token\",\"client_credentials\"],
         \"scopes\":[\"openid\",\"profile\",\"email\",\"offline_access\"]}" "$api/projects")" ||
    { echo "authd: creating the project failed" >&2; exit 1; }
  CLIENT_ID="$(echo "$project" | jfield client_id)"
  CLIENT_SECRET="$(echo "$project" | jfield client_secret)"
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$USER_EMAIL\",\"name\":\"Alice Example\",\"password\":\"$USER_PASSWORD\"}" "$api/users" ||
    { echo "authd: creating the user failed" >&2; exit 1; }
  stop_server
}

prepare_oidc_provider() {
  local dir="$HERE/peers/oidc-provider"
  if [ ! -d "$dir/node_modules/oidc-provider" ]; then
    log "oidc-provider: npm ci"
    (cd "$dir" && npm ci --no-audit --no-fund) >&2
  fi
  NAME=oidc-provider ISSUER="http://127.0.0.1:$PORT_OP" CLIENT_ID=bench-client CLIENT_SECRET=bench-secret
  FLOW_USER="$USER_NAME" DRIVER=oidc-provider-dev CC_SCOPE="" TOKENS_CONC=4
  CMD=(node "$dir/server.mjs")
  SERVER_ENV=("OP_PORT=$PORT_OP" "OP_DATA=$WORK/oidc-provider" "OP_REDIRECT_URI=$REDIRECT_URI")
  VERSION="$(node -p "require('$dir/node_modules/oidc-provider/package.json').version") on node $(node --version)"
  # First start makes the RSA key, so that the timed starts only read it.
  start_server oidc-provider "$ISSUER/.well-known/openid-configuration" env "${SERVER_ENV[@]}" "${CMD[@]}"
  stop_server
}

prepare_glewlwyd() {
  if ! command -v glewlwyd >/dev/null || ! command -v sqlite3 >/dev/null; then
    log "glewlwyd: apt-get install glewlwyd sqlite3"
    if [ "$(id -u)" = 0 ]; then
      { apt-get update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends glewlwyd sqlite3; } >&2
    else
      { sudo apt-get update -qq && sudo apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends glewlwyd sqlite3; } >&2
    fi
  fi
  GLWD_PBKDF2="$GLWD_ITER" GLWD_REDIRECT_URI="$REDIRECT_URI" GLWD_USER="$USER_NAME" GLWD_PASSWORD="$USER_PASSWORD" \
    "$HERE/peers/glewlwyd/setup.sh" "$WORK/glewlwyd" "$PORT_GLWD" > "$OUT/raw/glewlwyd.setup.log" 2>&1 ||
    { cat "$OUT/raw/glewlwyd.setup.log" >&2; exit 1; }
  NAME=glewlwyd ISSUER="http://127.0.0.1:$PORT_GLWD/api/oidc" CLIENT_ID=bench-client CLIENT_SECRET=bench-secret
  # It refuses client_credentials without a scope. Concurrent sign-ins make its SQLite writes
  # fail ("Error executing sql query" -> 500), so its flows run one at a time.
  FLOW_USER="$USER_NAME" DRIVER=glewlwyd CC_SCOPE="email" TOKENS_CONC=1 FLOW_CONC_ISSUER=1
  CMD=(glewlwyd --config-file="$WORK/glewlwyd/glewlwyd.conf")
  SERVER_ENV=()
  VERSION="$(dpkg-query -W -f='${Version}' glewlwyd 2>/dev/null || echo '?')${GLWD_ITER:+ (pbkdf2-iterations $GLWD_ITER)}"
}

prepare_external() {
  NAME="$EXT_NAME" ISSUER="${EXT_ISSUER%/}" CLIENT_ID="$EXT_CLIENT_ID" CLIENT_SECRET="$EXT_CLIENT_SECRET"
  FLOW_USER="${EXT_USER:-$USER_NAME}" USER_PASSWORD="${EXT_PASSWORD:-$USER_PASSWORD}" DRIVER="$EXT_DRIVER"
  CC_SCOPE="$EXT_CC_SCOPE" CMD=() SERVER_ENV=() VERSION="external" TOKENS_CONC=1
}

# ---------------------------------------------------------------- measurements
flow() { # MODE ARGS...: bench/flow.mjs against the current issuer
  local mode="$1"; shift
  node "$HERE/flow.mjs" "$mode" --issuer "$ISSUER" --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" \
    --redirect-uri "$REDIRECT_URI" --user "$FLOW_USER" --password "$USER_PASSWORD" --driver "$DRIVER" "$@"
}
check() { # DESCRIPTION CURL-ARGS...: the request must answer 200 before wrk repeats it
  local what="$1"; shift
  local got; got="$(curl -s -o "$OUT/raw/check.body" -w '%{http_code}' "$@")"
  [ "$got" = 200 ] || { echo "CHECK FAILED: $NAME $what -> HTTP $got: $(head -c 400 "$OUT/raw/check.body")" >&2; return 1; }
}
# wrk_runs METRIC URL SCRIPT [NAME=VALUE...]: RUNS runs of wrk, each recorded
wrk_once() {
  local metric="$1" i="$2" url="$3" script="$4"; shift 4
  local raw="$OUT/raw/$NAME.$metric.run$i.txt"
  local cpu0 sys0; cpu0="$(cpu_ticks)"; sys0="$(busy_ticks)"
  env "$@" WRK_THREADS="$THREADS" /usr/bin/time -f "WRKCPU %U %S" -o "$raw.time" \
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s --latency -s "$HERE/wrk/$script" "$url" > "$raw" 2>&1 || true
  local cpu1 sys1; cpu1="$(cpu_ticks)"; sys1="$(busy_ticks)"
  local j; j="$(sed -n 's/^WRKJSON //p' "$raw")"
  [ -n "$j" ] || { echo "wrk failed for $NAME $metric; see $raw" >&2; cat "$raw" >&2; exit 1; }
  local extra; extra="$(python3 - "$raw" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$j" "$sys0" "$sys1" "$raw.time" <<'PY'
import json, re, sys
r = {"rotated": 0, "reused": 0, "lost": 0}
seen = False
for line in open(sys.argv[1]):
    if line.startswith("REFRESHJSON "):
        seen = True
        for k, v in json.loads(line[12:]).items():
            r[k] += v
out = r if seen else {}
cpu0, cpu1, hz, w = sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
if cpu0 and cpu1 and w["requests"] > 0:
    # the server's own CPU time (user + system, all threads) per answered request: unlike
    # req/s, it barely depends on what else the machine is doing
    secs = (int(cpu1) - int(cpu0)) / hz
    out["server_cpu_s"] = round(secs, 2)
    out["cpu_us_per_req"] = round(secs * 1e6 / w["requests"], 1)
    # What the rest of the machine used meanwhile (busy time of all CPUs, less the server and
    # wrk): the other tenants' share, which makes req/s and latency noisy.
    try:
        wrk_cpu = sum(float(x) for x in open(sys.argv[8]).read().split("WRKCPU")[1].split()[:2])
        busy = (int(sys.argv[7]) - int(sys.argv[6])) / hz
        out["wrk_cpu_s"] = round(wrk_cpu, 2)
        out["others_cpu_s"] = round(max(0.0, busy - secs - wrk_cpu), 2)
    except (IndexError, ValueError, OSError):
        pass
print(json.dumps(out))
PY
)"
  j="$(python3 -c 'import json,sys; print(json.dumps({**json.loads(sys.argv[1]), **json.loads(sys.argv[2])}))' "$j" "$extra")"
  record "$NAME" "$metric" "$i" "$j"
  log "$NAME $metric run $i: $(echo "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.0f req/s  p50 %.2f ms  p99 %.2f ms  non2xx %d  sockerr %d  server CPU %s us/req  (CPU s: wrk %s, others %s)" % (d["rps"], d["p50_ms"], d["p99_ms"], d["non2xx3xx"], d["socket_errors"], d.get("cpu_us_per_req", "?"), d.get("wrk_cpu_s", "?"), d.get("others_cpu_s", "?")) + ("  rotated %d reused %d lost %d" % (d["rotated"], d["reused"], d["lost"]) if "rotated" in d else ""))')"
}
wrk_runs() { local metric="$1"; shift; for i in $(seq 1 "$RUNS"); do wrk_once "$metric" "$i" "$@"; done; }

busy_ticks() { # clock ticks all CPUs spent busy since boot (everything but idle and iowait)
  awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}
cpu_ticks() { # user + system clock ticks of the server process (all threads), if known
  [ -n "$SERVER_PID" ] && [ -r "/proc/$SERVER_PID/stat" ] || return 0
  sed 's/.*) //' "/proc/$SERVER_PID/stat" | awk '{print $12 + $13}'
}
record_rss() { # WHEN
  [ -n "$SERVER_PID" ] && [ -r "/proc/$SERVER_PID/status" ] || return 0
  record "$NAME" rss 1 "{\"after\":\"$1\",\"rss_kib\":$(proc_kib "$SERVER_PID" VmRSS),\"hwm_kib\":$(proc_kib "$SERVER_PID" VmHWM),\"threads\":$(proc_kib "$SERVER_PID" Threads)}"
}

measure_startup() {
  [ ${#CMD[@]} -gt 0 ] || return 0
  log "$NAME: start-up x$STARTUP_RUNS"
  local envargs=() e
  for e in "${SERVER_ENV[@]}"; do envargs+=(--env "$e"); done
  python3 "$HERE/startup.py" --url "$ISSUER/.well-known/openid-configuration" --runs "$STARTUP_RUNS" --idle 3 \
    --log "$OUT/raw/$NAME.startup.log" "${envargs[@]}" -- "${CMD[@]}" > "$OUT/raw/$NAME.startup.jsonl"
  local line
  while read -r line; do
    record "$NAME" startup "$(echo "$line" | jfield run)" "$line"
    log "$NAME start-up: $line"
  done < "$OUT/raw/$NAME.startup.jsonl"
}

measure_flows() { # METRIC
  local metric="$1" i j conc="${FLOW_CONC_ISSUER:-$FLOW_CONC}"
  for i in $(seq 1 "$RUNS"); do
    local cpu0; cpu0="$(cpu_ticks)"
    j="$(flow flows --duration "$DURATION" --concurrency "$conc")" || { echo "$NAME flows failed: $j" >&2; exit 1; }
    local cpu1; cpu1="$(cpu_ticks)"
    j="$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
if sys.argv[2] and sys.argv[3] and d.get("flows"):
    secs = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
    d["server_cpu_s"] = round(secs, 2)
    d["cpu_us_per_req"] = round(secs * 1e6 / d["flows"], 1)
print(json.dumps(d))' "$j" "$cpu0" "$cpu1" "$(getconf CLK_TCK)")"
    record "$NAME" "$metric" "$i" "$j"
    log "$NAME $metric run $i: $j"
  done
}

measure_argon2() { # METRIC T M: verification time with authd's hasher, right before the flows
  local j
  j="$(taskset -c 0-$(( $(nproc) - 1 )) "$AUTHD_BUILD/bin/argon2_bench" "$2" "$3" 1 5 "$(nproc)" | sed -n 's/^ARGON2JSON //p')"
  record authd "$1" 1 "$j"
  log "authd $1: $j"
}

measure_endpoints() {
  local disc token_ep jwks_ep userinfo_ep introspect_ep basic cc_body at what
  disc="$(curl -sf "$ISSUER/.well-known/openid-configuration")"
  echo "$disc" > "$OUT/raw/$NAME.discovery.json"
  token_ep="$(echo "$disc" | jfield token_endpoint)"
  jwks_ep="$(echo "$disc" | jfield jwks_uri)"
  userinfo_ep="$(echo "$disc" | jfield userinfo_endpoint)"
  introspect_ep="$(echo "$disc" | jfield introspection_endpoint)"
  basic="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
  cc_body="grant_type=client_credentials${CC_SCOPE:+&scope=${CC_SCOPE// /%20}}"
  for what in $ONLY; do
    case "$what" in
      startup) ;;
      discovery)
        check discovery "$ISSUER/.well-known/openid-configuration"
        wrk_runs discovery "$ISSUER/.well-known/openid-configuration" get.lua ;;
      jwks)
        check jwks "$jwks_ep"
        wrk_runs jwks "$jwks_ep" get.lua ;;
      cc)
        check client_credentials -X POST -H "Authorization: $basic" --data "$cc_body" "$token_ep"
        wrk_runs client_credentials "$token_ep" post_form.lua WRK_BODY="$cc_body" WRK_AUTHZ="$basic" ;;
      userinfo)
        at="$(flow tokens | jfield access_token)"
        check userinfo -H "Authorization: Bearer $at" "$userinfo_ep"
        wrk_runs userinfo "$userinfo_ep" get.lua WRK_AUTHZ="Bearer $at" ;;
      introspect)
        at="$(flow tokens | jfield access_token)"
        check introspection -X POST -H "Authorization: $basic" --data "token=$at" "$introspect_ep"
        grep -q '"active" *: *true' "$OUT/raw/check.body" ||
          { echo "introspection of a fresh token did not say active: $(cat "$OUT/raw/check.body")" >&2; exit 1; }
        wrk_runs introspection "$introspect_ep" post_form.lua WRK_AUTHZ="$basic" WRK_BODY="token=$at" ;;
      refresh)
        local i families="$OUT/raw/$NAME.refresh.tokens"
        for i in $(seq 1 "$RUNS"); do
          # CONNS new families (code flows) per run, each rotated sequentially by one connection.
          flow tokens --count "$CONNS" --concurrency "$TOKENS_CONC" | python3 -c '
import json, sys
for line in sys.stdin:
    t = json.loads(line).get("refresh_token")
    if not t: sys.exit("no refresh_token in the token response")
    print(t)' > "$families"
          check refresh -X POST -H "Authorization: $basic" \
            --data "grant_type=refresh_token&refresh_token=$(tail -1 "$families")" "$token_ep"
          # the checked family goes on with its successor (or the same token, without rotation)
          local next; next="$(jfield refresh_token < "$OUT/raw/check.body")"
          { head -n -1 "$families"; echo "${next:-$(tail -1 "$families")}"; } > "$families.run"
          wrk_once refresh "$i" "$token_ep" refresh.lua WRK_TOKENS_FILE="$families.run" WRK_AUTHZ="$basic"
        done ;;
      flows) ;;
      *) echo "unknown measurement $what" >&2; exit 2;;
    esac
    [ "$what" = startup ] || [ "$what" = flows ] || record_rss "$what"
  done
}

# ---------------------------------------------------------------- main
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "uptime at start: $(uptime)"
  echo "wrk -t$THREADS -c$CONNS -d${DURATION}s --latency, $RUNS runs; start-up $STARTUP_RUNS runs; flows concurrency $FLOW_CONC"
  echo "tools: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); node $(node --version); curl $(curl --version | head -1 | cut -d' ' -f2)"
} | tee "$OUT/meta.txt"

for issuer in $ISSUERS; do
  FLOW_CONC_ISSUER=""
  case "$issuer" in
    authd) prepare_authd;; oidc-provider) prepare_oidc_provider;; glewlwyd) prepare_glewlwyd;;
    *) [ "$issuer" = "$EXT_NAME" ] && prepare_external || { echo "unknown issuer $issuer" >&2; exit 2; };;
  esac
  echo "$NAME: $VERSION; issuer $ISSUER; client $CLIENT_ID" | tee -a "$OUT/meta.txt"
  case " $ONLY " in *" startup "*) measure_startup;; esac

  if [ ${#CMD[@]} -gt 0 ]; then
    start_server "$NAME" "$ISSUER/.well-known/openid-configuration" env "${SERVER_ENV[@]}" "${CMD[@]}"
  else
    SERVER_PID="" ; [ -n "$EXT_PID" ] && SERVER_PID="$EXT_PID"
  fi
  record_rss ready
  measure_endpoints
  case " $ONLY " in
    *" flows "*)
      [ "$NAME" = authd ] && measure_argon2 argon2 "$AUTHD_T" "$AUTHD_M"
      measure_flows flows
      record_rss flows ;;
  esac
  if [ ${#CMD[@]} -gt 0 ]; then stop_server; else SERVER_PID=""; fi

  if [ "$NAME" = authd ] && [[ " $ONLY " == *" flows "* ]]; then
    # The same flows with the cheapest Argon2id cost the config accepts, for the comparison with
    # oidc-provider, whose devInteractions hash nothing.
    prepare_authd cheap
    echo "authd (cheap hashing): $VERSION" | tee -a "$OUT/meta.txt"
    start_server authd "$ISSUER/.well-known/openid-configuration" env "${SERVER_ENV[@]}" "${CMD[@]}"
    measure_argon2 argon2_cheap "$AUTHD_CHEAP_T" "$AUTHD_CHEAP_M"
    measure_flows flows_cheap
    stop_server
  fi
done
echo "uptime at end: $(uptime)" | tee -a "$OUT/meta.txt"

python3 "$HERE/summarize.py" --meta "$OUT/meta.txt" "$RESULTS" > "$OUT/summary.md"
cat "$OUT/summary.md"
echo
echo "results: $OUT (results.jsonl, summary.md, raw/)"
