//! Times reading and writing the session cookie: `websession`, the floor and the `cookie`
//! crate's signed jar, on the small and large payloads.
//!
//! - `get`: read the session from the request's `Cookie` header (three other cookies in front
//!   of it) and read `userId`;
//! - `commit`: change `theme` and write the `Set-Cookie` value;
//! - `roundtrip`: both, on one request.
//!
//! `BENCH_QUICK=1` runs a few iterations of each, to check that the benchmarks still run.

// `criterion_group!` generates a public function without documentation.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::{Map, Value};
use websession_bench::{assert_floor_matches_ours, Fixture, Floor, Ours, Peer};

/// Alternates `theme` between two values of the same length, as the JavaScript anchor does.
fn next_theme(counter: &mut u64) -> &'static str {
    *counter += 1;
    if *counter & 1 == 1 {
        "dark"
    } else {
        "lite"
    }
}

fn user_id_len(data: &Map<String, Value>) -> usize {
    data.get("userId")
        .and_then(Value::as_str)
        .map_or(0, str::len)
}

fn bench_get(c: &mut Criterion, fixture: &Fixture) {
    let ours = Ours::new(fixture);
    let floor = Floor::new(fixture);
    let peer = Peer::new(fixture);
    let mut group = c.benchmark_group("cookie_get");
    for name in fixture.payload_names() {
        let data = fixture.payload(name);
        let header = fixture.request_header(&ours.commit_data(data));
        let peer_header = fixture.request_header(&peer.commit(data));

        group.bench_function(BenchmarkId::new("websession", name), |b| {
            b.iter(|| {
                let mut session = ours.get(black_box(&header));
                session.get("userId")
            })
        });
        group.bench_function(BenchmarkId::new("floor", name), |b| {
            b.iter(|| floor.get(black_box(&header)).as_ref().map(user_id_len))
        });
        group.bench_function(BenchmarkId::new("cookie-crate", name), |b| {
            b.iter(|| peer.get(black_box(&peer_header)).as_ref().map(user_id_len))
        });
    }
    group.finish();
}

fn bench_commit(c: &mut Criterion, fixture: &Fixture) {
    let ours = Ours::new(fixture);
    let floor = Floor::new(fixture);
    let peer = Peer::new(fixture);
    let mut group = c.benchmark_group("cookie_commit");
    for name in fixture.payload_names() {
        let data = fixture.payload(name);
        let header = fixture.request_header(&ours.commit_data(data));

        let mut session = ours.get(&header);
        let mut counter = 0;
        group.bench_function(BenchmarkId::new("websession", name), |b| {
            b.iter(|| {
                session.set("theme", next_theme(&mut counter));
                ours.commit(&mut session)
            })
        });

        let mut floor_data = data.clone();
        group.bench_function(BenchmarkId::new("floor", name), |b| {
            b.iter(|| {
                floor_data["theme"] = Value::from(next_theme(&mut counter));
                floor.commit(&floor_data)
            })
        });

        let mut peer_data = data.clone();
        group.bench_function(BenchmarkId::new("cookie-crate", name), |b| {
            b.iter(|| {
                peer_data["theme"] = Value::from(next_theme(&mut counter));
                peer.commit(&peer_data)
            })
        });
    }
    group.finish();
}

fn bench_roundtrip(c: &mut Criterion, fixture: &Fixture) {
    let ours = Ours::new(fixture);
    let floor = Floor::new(fixture);
    let peer = Peer::new(fixture);
    let mut group = c.benchmark_group("cookie_roundtrip");
    for name in fixture.payload_names() {
        let data = fixture.payload(name);
        let header = fixture.request_header(&ours.commit_data(data));
        let peer_header = fixture.request_header(&peer.commit(data));
        let mut counter = 0;

        group.bench_function(BenchmarkId::new("websession", name), |b| {
            b.iter(|| {
                let mut session = ours.get(black_box(&header));
                black_box(session.get("userId"));
                session.set("theme", next_theme(&mut counter));
                ours.commit(&mut session)
            })
        });
        group.bench_function(BenchmarkId::new("floor", name), |b| {
            b.iter(|| {
                let mut data = floor.get(black_box(&header)).expect("the cookie verifies");
                black_box(user_id_len(&data));
                data["theme"] = Value::from(next_theme(&mut counter));
                floor.commit(&data)
            })
        });
        group.bench_function(BenchmarkId::new("cookie-crate", name), |b| {
            b.iter(|| {
                let mut data = peer
                    .get(black_box(&peer_header))
                    .expect("the cookie verifies");
                black_box(user_id_len(&data));
                data["theme"] = Value::from(next_theme(&mut counter));
                peer.commit(&data)
            })
        });
    }
    group.finish();
}

fn cookie_session(c: &mut Criterion) {
    let fixture = Fixture::load();
    // The floor is a fair lower bound only if it does the same work: same bytes out, same
    // data in. This panics, and so fails the run, on any difference.
    assert_floor_matches_ours(&fixture);

    bench_get(c, &fixture);
    bench_commit(c, &fixture);
    bench_roundtrip(c, &fixture);
}

criterion_group! {
    name = benches;
    config = support::config(100);
    targets = cookie_session
}
criterion_main!(benches);
