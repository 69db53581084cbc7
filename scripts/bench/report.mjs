// Prints the benchmark tables: criterion's estimates under <target>/criterion merged with the
// JavaScript anchor's results, as ns per operation with each column's ratio to the floor.
//
// usage: node report.mjs CRITERION_DIR ANCHOR_JSON_OR_- [HTTP_TSV_OR_-] [LATENCY_TSV_OR_-]
// Exits with status 1 when a cookie benchmark has no estimate.
import fs from "node:fs";
import path from "node:path";

const [criterionDir, anchorFile = "-", httpFile = "-", latencyFile = "-"] = process.argv.slice(2);
if (!criterionDir) {
  console.error("usage: node report.mjs CRITERION_DIR ANCHOR_JSON_OR_- [HTTP_TSV_OR_-] [LATENCY_TSV_OR_-]");
  process.exit(2);
}

// Every benchmark directory contains new/benchmark.json (its ids) and new/estimates.json.
function readCriterion(dir) {
  const results = new Map();
  const walk = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(current, entry.name);
      const meta = path.join(full, "new", "benchmark.json");
      if (fs.existsSync(meta)) {
        const id = JSON.parse(fs.readFileSync(meta, "utf8"));
        const estimates = JSON.parse(fs.readFileSync(path.join(full, "new", "estimates.json"), "utf8"));
        results.set(`${id.group_id}/${id.function_id}/${id.value_str}`, estimates.median.point_estimate);
      } else if (entry.name !== "report") {
        walk(full);
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return results;
}

const criterion = readCriterion(criterionDir);
const anchor = new Map();
let nodeVersion = "";
if (anchorFile !== "-") {
  const parsed = JSON.parse(fs.readFileSync(anchorFile, "utf8"));
  nodeVersion = parsed.node;
  for (const r of parsed.results) anchor.set(`${r.impl}/${r.op}/${r.payload}`, r.ns);
}

function format(ns) {
  if (ns >= 10000) return `${(ns / 1000).toFixed(1)} µs`;
  if (ns >= 1000) return `${(ns / 1000).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
const cell = (ns, floor) => (ns === undefined ? "n/a" : `${format(ns)} (${(ns / floor).toFixed(2)}x)`);

// Cookie sessions: one row per operation and payload.
const columns = [
  ["floor", (op, p) => criterion.get(`cookie_${op}/floor/${p}`)],
  ["websession", (op, p) => criterion.get(`cookie_${op}/websession/${p}`)],
  ["cookie crate", (op, p) => criterion.get(`cookie_${op}/cookie-crate/${p}`)],
  ["Remix 2", (op, p) => anchor.get(`remix/${op}/${p}`)],
  ["React Router 7", (op, p) => anchor.get(`react-router/${op}/${p}`)],
];
const rows = [];
let missing = false;
console.log(`\n## Cookie session: time per operation (median), ratio to the floor${nodeVersion ? `; Node ${nodeVersion}` : ""}\n`);
console.log(`| operation | payload | ${columns.map(([name]) => name).join(" | ")} |`);
console.log(`|---|---|${columns.map(() => "---:").join("|")}|`);
for (const op of ["get", "commit", "roundtrip"]) {
  for (const p of ["small", "large"]) {
    const values = columns.map(([, get]) => get(op, p));
    const floor = values[0];
    if (floor === undefined || values[1] === undefined) missing = true;
    rows.push({ op, p, values });
    console.log(`| ${op} | ${p} | ${values.map((ns) => cell(ns, floor ?? NaN)).join(" | ")} |`);
  }
}

// The targets, each as a ratio from this one run.
const value = (op, p, column) => rows.find((r) => r.op === op && r.p === p)?.values[column];
const targets = [
  ["small round trip within 1.15x of the floor", value("roundtrip", "small", 1) / value("roundtrip", "small", 0), (r) => r <= 1.15],
  ["large round trip within 1.05x of the floor", value("roundtrip", "large", 1) / value("roundtrip", "large", 0), (r) => r <= 1.05],
  ["small round trip faster than the cookie crate", value("roundtrip", "small", 1) / value("roundtrip", "small", 2), (r) => r < 1],
  ["large round trip faster than the cookie crate", value("roundtrip", "large", 1) / value("roundtrip", "large", 2), (r) => r < 1],
  ["small round trip at least 8x faster than Remix", value("roundtrip", "small", 3) / value("roundtrip", "small", 1), (r) => r >= 8],
  ["small get cheaper than the floor's get", value("get", "small", 1) / value("get", "small", 0), (r) => r < 1],
  ["large get cheaper than the floor's get", value("get", "large", 1) / value("get", "large", 0), (r) => r < 1],
];

// Server-side storages.
const storageRows = [...criterion.entries()].filter(([key]) => key.startsWith("storage_roundtrip/"));
if (storageRows.length) {
  console.log(`\n## Server-side storages: round trip (load, read, change, commit), median\n`);
  console.log("| storage | payload | time |");
  console.log("|---|---|---:|");
  for (const [key, ns] of storageRows.sort()) {
    const [, storage, p] = key.split("/");
    console.log(`| ${storage} | ${p} | ${format(ns)} |`);
  }
}

// HTTP level: one line per wrk run, `ROUTE<TAB>{json from wrk's done() hook}`.
const routeNames = {
  plain: "without session layer",
  untouched: "session layer, handler does not use the session",
  read: "session layer, handler reads userId",
  write: "session layer, handler changes theme (Set-Cookie)",
  "floor-read": "no layer, handler reads userId by hand with the floor's code",
  "floor-write": "no layer, handler changes theme by hand with the floor's code",
};

// Groups the runs of each route, in the order the routes first appear, sorted by `key`
// from best to worst.
function readRuns(file, key) {
  const passes = new Map();
  for (const line of fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean)) {
    const [route, json] = line.split("\t");
    const r = JSON.parse(json);
    const run = { rps: r.requests / (r.duration_us / 1e6), p50: r.latency_p50_us, p99: r.latency_p99_us };
    if (!passes.has(route)) passes.set(route, []);
    passes.get(route).push(run);
  }
  return [...passes].map(([route, list]) => {
    const sorted = [...list].sort((a, b) => key(a) - key(b));
    const median = sorted[Math.floor(sorted.length / 2)];
    return { route, name: routeNames[route] ?? route, best: sorted[0], median, count: sorted.length };
  });
}

const sessionRoutes = (runs, plain) => runs.filter((r) => plain && r !== plain && !r.route.startsWith("floor-"));

if (httpFile !== "-" && fs.existsSync(httpFile)) {
  // Each route runs several times in alternation. Other work on the machine only slows a run,
  // so the fastest run is the best estimate, and the median shows the spread.
  const runs = readRuns(httpFile, (run) => -run.rps);
  console.log("\n## HTTP: minimal axum app under wrk (1 thread, 16 connections, loopback)\n");
  // The server runs on one thread and wrk keeps it busy, so 1/throughput is the server's
  // time per request. The ratio of those times is the cost of what a route adds to /plain.
  console.log("| app | runs | requests/s, fastest run | time per request | ratio | time per request, median run | ratio of medians |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  const plain = runs.find((r) => r.route === "plain");
  for (const run of runs) {
    const ratio = plain ? `${(plain.best.rps / run.best.rps).toFixed(2)}x` : "n/a";
    const medianRatio = plain ? `${(plain.median.rps / run.median.rps).toFixed(2)}x` : "n/a";
    console.log(
      `| ${run.name} | ${run.count} | ${run.best.rps.toFixed(0)} | ${format(1e9 / run.best.rps)} | ${ratio} | ${format(1e9 / run.median.rps)} | ${medianRatio} |`,
    );
  }
  // The layer against the same session work done by hand in the handler.
  const byRoute = new Map(runs.map((r) => [r.route, r]));
  const pairs = [["read", "floor-read"], ["write", "floor-write"]].filter(([a, b]) => byRoute.has(a) && byRoute.has(b));
  if (pairs.length > 0) {
    console.log("\n| session layer against the floor's code in the handler | ratio, fastest runs | ratio of medians |");
    console.log("|---|---:|---:|");
    for (const [layer, hand] of pairs) {
      const [l, h] = [byRoute.get(layer), byRoute.get(hand)];
      console.log(`| ${l.name} | ${(h.best.rps / l.best.rps).toFixed(2)}x | ${(h.median.rps / l.median.rps).toFixed(2)}x |`);
    }
  }
  for (const run of sessionRoutes(runs, plain)) {
    targets.push([`${run.name}: at most 1.10x the time per request without it (fastest runs)`, plain.best.rps / run.best.rps, (r) => r <= 1.1]);
  }
}

// The p50 latency of each route in each run, in the order of the runs.
function p50ByRun(file) {
  const byRoute = new Map();
  for (const line of fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean)) {
    const [route, json] = line.split("\t");
    if (!byRoute.has(route)) byRoute.set(route, []);
    byRoute.get(route).push(JSON.parse(json).latency_p50_us);
  }
  return byRoute;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Latency with one connection: each request waits only for the server and the loopback
// network, not for other requests. The routes take turns within each run, so the ratio of
// two routes' p50 is taken within each run, and the median of those ratios is reported.
if (latencyFile !== "-" && fs.existsSync(latencyFile)) {
  const runs = readRuns(latencyFile, (run) => run.p50);
  const p50s = p50ByRun(latencyFile);
  const plainP50s = p50s.get("plain");
  const ratioOf = (route) =>
    plainP50s ? median(p50s.get(route).map((p50, run) => p50 / plainP50s[run])) : NaN;
  console.log("\n## HTTP latency: one connection, one request at a time, routes in turn (bench-http-latency, loopback)\n");
  console.log("| app | runs | p50, median run | p99, same run | p50, best run | ratio of p50s, median of runs |");
  console.log("|---|---:|---:|---:|---:|---:|");
  const plain = runs.find((r) => r.route === "plain");
  for (const run of runs) {
    const ratio = ratioOf(run.route);
    const ratioText = Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "n/a";
    console.log(
      `| ${run.name} | ${run.count} | ${format(run.median.p50 * 1e3)} | ${format(run.median.p99 * 1e3)} | ${format(run.best.p50 * 1e3)} | ${ratioText} |`,
    );
  }
  for (const run of sessionRoutes(runs, plain)) {
    targets.push([`${run.name}: p50 latency at most 1.10x that without it (median of runs)`, ratioOf(run.route), (r) => r <= 1.1]);
  }
}

console.log("\n## Targets (ratios from this run)\n");
console.log("| target | ratio | met |");
console.log("|---|---:|---|");
for (const [name, ratio, ok] of targets) {
  const shown = Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "n/a";
  console.log(`| ${name} | ${shown} | ${Number.isFinite(ratio) ? (ok(ratio) ? "yes" : "no") : "n/a"} |`);
}
if (missing) {
  console.error("error: some cookie benchmarks have no criterion estimate; run `cargo bench -p websession-bench` first");
  process.exit(1);
}
