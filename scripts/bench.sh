#!/usr/bin/env bash
# Runs every benchmark and prints one report:
#   1. criterion: websession's cookie sessions against the floor and the cookie crate;
#   2. the JavaScript anchor (Remix 2 and React Router 7 on Node) on the same payloads;
#   3. criterion: server-side storages (memory, file, and Redis on a loopback server this
#      script starts);
#   4. HTTP: a minimal axum app with and without the session layer under wrk, on loopback,
#      and with handlers that do the session work by hand with the floor's code;
#   5. HTTP latency: the same routes over one connection, one request at a time, with the
#      routes taking turns request by request (bench-http-latency), so that a slow moment
#      of the machine falls on every route alike.
# Then it prints a table of time per operation with each column's ratio to the floor.
#
# usage: scripts/bench.sh
#   BENCH_QUICK=1      a few iterations of each benchmark, to check that everything runs
#   BENCH_ANCHOR_DIR   folder with remix-anchor.mjs, package.json and payloads.json
#                      (default: ../shared/bench beside the repository)
#   BENCH_HTTP_SECONDS duration of each wrk run (default 4; 1 with BENCH_QUICK=1)
#   BENCH_HTTP_RUNS    runs of each route, in alternation (default 5; 1 with BENCH_QUICK=1)
#   BENCH_LATENCY_RUNS latency runs, each of BENCH_HTTP_SECONDS with all routes taking turns
#                      (default 3; 1 with BENCH_QUICK=1)
#
# Installs wrk and redis-server from Debian's packages when they are missing, and the Node
# packages in a temporary folder. Fails when the floor and websession write different bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
quick=${BENCH_QUICK:-0}
anchor_dir=${BENCH_ANCHOR_DIR:-$root/../shared/bench}
if [ "$quick" != 0 ]; then
    http_seconds=${BENCH_HTTP_SECONDS:-1}
    http_runs=${BENCH_HTTP_RUNS:-1}
    latency_runs=${BENCH_LATENCY_RUNS:-1}
else
    http_seconds=${BENCH_HTTP_SECONDS:-4}
    http_runs=${BENCH_HTTP_RUNS:-5}
    latency_runs=${BENCH_LATENCY_RUNS:-3}
fi
export BENCH_QUICK=$quick

scratch=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$scratch"
}
trap cleanup EXIT

# Returns a TCP port on loopback that is free right now.
free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Waits up to 10 s for a line matching $2 in file $1.
wait_for_line() {
    for _ in $(seq 100); do
        if grep -q "$2" "$1" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "error: timed out waiting for '$2' in $1:" >&2
    cat "$1" >&2
    return 1
}

for tool in node npm cargo; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found; install it first" >&2; exit 1; }
done
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v redis-server >/dev/null || missing+=(redis-server)
if ((${#missing[@]})); then
    echo "installing missing packages: ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for file in remix-anchor.mjs package.json payloads.json; do
    if [ ! -f "$anchor_dir/$file" ]; then
        echo "error: $anchor_dir/$file not found; set BENCH_ANCHOR_DIR to the folder of the JavaScript anchor" >&2
        exit 1
    fi
done
if ! cmp -s "$anchor_dir/payloads.json" crates/websession-bench/data/payloads.json; then
    echo "error: $anchor_dir/payloads.json differs from crates/websession-bench/data/payloads.json; copy it over so both sides time the same data" >&2
    exit 1
fi

# Old estimates of renamed or removed benchmarks must not reach the report.
rm -rf "$target_dir/criterion/cookie_get" "$target_dir/criterion/cookie_commit" \
    "$target_dir/criterion/cookie_roundtrip" "$target_dir/criterion/storage_roundtrip"

echo "== 1. cookie sessions: websession, floor, cookie crate (criterion)"
cargo bench -p websession-bench --bench cookie_session

echo "== 2. JavaScript anchor: Remix 2 and React Router 7"
mkdir -p "$scratch/anchor" "$scratch/results"
cp "$anchor_dir/remix-anchor.mjs" "$anchor_dir/package.json" "$anchor_dir/payloads.json" "$scratch/anchor/"
(cd "$scratch/anchor" && npm install --no-audit --no-fund --loglevel=error)
anchor_env=(NODE_ENV=production RESULTS_DIR="$scratch/results")
if [ "$quick" != 0 ]; then anchor_env+=(ROUNDS=1 ROUND_MS=20); fi
(cd "$scratch/anchor" && env "${anchor_env[@]}" node remix-anchor.mjs)
anchor_versions=$(cd "$scratch/anchor" && node -e 'for (const p of ["@remix-run/node", "react-router"]) console.log(p + " " + require("./node_modules/" + p + "/package.json").version)')

echo "== 3. server-side storages (criterion; Redis on loopback)"
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    >"$scratch/redis.log" 2>&1 &
pids+=($!)
wait_for_line "$scratch/redis.log" "Ready to accept connections"
BENCH_REDIS_URL="redis://127.0.0.1:$redis_port/" cargo bench -p websession-bench --bench storage

echo "== 4. HTTP: minimal axum app with and without the session layer (wrk, $http_runs runs of ${http_seconds}s per route)"
cargo build --release -p websession-bench --bin bench-http-server --bin bench-http-latency
http_port=$(free_port)
taskset_cmd=()
# On a machine with at least two cores, the server and wrk each get their own core.
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then taskset_cmd=(taskset -c 0); fi
"${taskset_cmd[@]}" "$target_dir/release/bench-http-server" "$http_port" >"$scratch/server.log" 2>&1 &
pids+=($!)
wait_for_line "$scratch/server.log" "listening on"
cookie_header=$(sed -n 's/^cookie: //p' "$scratch/server.log")
cat >"$scratch/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"latency_mean_us":%f,"latency_p50_us":%f,"latency_p99_us":%f,"errors":%d}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(99), errors))
end
LUA
wrk_cmd=(wrk)
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then wrk_cmd=(taskset -c 1 wrk); fi

# Runs every route $1 times, in alternation so that a slow moment of the machine does not hit
# one route only, with $2 connections, and writes one `ROUTE<TAB>{json}` line a run to file $3.
run_routes() {
    local runs=$1 connections=$2 out=$3 route result
    : >"$out"
    for _ in $(seq "$runs"); do
        for route in plain untouched read write floor-read floor-write; do
            # Warm-up, then the measured run.
            "${wrk_cmd[@]}" -t1 -c"$connections" -d1s -H "Cookie: $cookie_header" "http://127.0.0.1:$http_port/$route" >/dev/null
            "${wrk_cmd[@]}" -t1 -c"$connections" -d"${http_seconds}s" -s "$scratch/report.lua" -H "Cookie: $cookie_header" \
                "http://127.0.0.1:$http_port/$route" >"$scratch/wrk-$route.txt"
            result=$(sed -n 's/^WRKJSON //p' "$scratch/wrk-$route.txt")
            if [ -z "$result" ] || ! node -e 'process.exit(JSON.parse(process.argv[1]).errors === 0 ? 0 : 1)' "$result"; then
                echo "error: wrk on /$route failed or saw errors:" >&2
                cat "$scratch/wrk-$route.txt" >&2
                exit 1
            fi
            printf '%s\t%s\n' "$route" "$result" >>"$out"
        done
    done
}
# 16 connections keep the server busy: 1/throughput is its time per request.
run_routes "$http_runs" 16 "$scratch/http.tsv"

echo "== 5. HTTP latency: one connection, one request at a time, routes in turn ($latency_runs runs of ${http_seconds}s)"
latency_cmd=("$target_dir/release/bench-http-latency")
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then latency_cmd=(taskset -c 1 "${latency_cmd[@]}"); fi
: >"$scratch/latency.tsv"
for _ in $(seq "$latency_runs"); do
    "${latency_cmd[@]}" "$http_port" "$cookie_header" "$http_seconds" \
        plain untouched read write floor-read floor-write >>"$scratch/latency.tsv"
done

echo "== report"
echo
echo "rustc: $(rustc --version)"
echo "node: $(node --version); $anchor_versions" | tr '\n' ' '
echo
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, SHA-NI: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
echo "mode: $([ "$quick" != 0 ] && echo "quick (BENCH_QUICK=1): numbers are not meaningful" || echo full)"
node scripts/bench/report.mjs "$target_dir/criterion" "$scratch/results/node.0.json" "$scratch/http.tsv" "$scratch/latency.tsv"
