//! Repeats one cookie operation many times, for instruction counts under
//! `valgrind --tool=callgrind`, which stay stable on a busy machine where timings do not.
//!
//! ```text
//! cargo run --release -p websession-bench --example profile_cookie -- IMPL OP PAYLOAD [ITERATIONS]
//! IMPL = websession | floor | cookie-crate, OP = get | commit | roundtrip, PAYLOAD = small | large
//! ```

use std::hint::black_box;

use serde_json::Value;
use websession_bench::{Fixture, Floor, Ours, Peer};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [implementation, operation, payload, rest @ ..] = args.as_slice() else {
        eprintln!("usage: profile_cookie IMPL OP PAYLOAD [ITERATIONS]");
        std::process::exit(2);
    };
    let iterations: u64 = rest.first().map_or(1000, |text| {
        text.parse().expect("ITERATIONS must be a positive integer")
    });

    let fixture = Fixture::load();
    let data = fixture.payload(payload);
    let ours = Ours::new(&fixture);
    let floor = Floor::new(&fixture);
    let peer = Peer::new(&fixture);
    let header = fixture.request_header(&ours.commit_data(data));
    let peer_header = fixture.request_header(&peer.commit(data));

    let mut loaded = ours.get(&header);
    let mut plain_data = data.clone();

    for i in 0..iterations {
        let theme = if i & 1 == 1 { "dark" } else { "lite" };
        match (implementation.as_str(), operation.as_str()) {
            ("websession", "get") => {
                black_box(ours.get(black_box(&header)).get("userId"));
            }
            ("websession", "roundtrip") => {
                let mut session = ours.get(black_box(&header));
                black_box(session.get("userId"));
                session.set("theme", theme);
                black_box(ours.commit(&mut session));
            }
            ("websession", "commit") => {
                loaded.set("theme", theme);
                black_box(ours.commit(&mut loaded));
            }
            ("floor", "commit") => {
                plain_data["theme"] = Value::from(theme);
                black_box(floor.commit(&plain_data));
            }
            ("cookie-crate", "commit") => {
                plain_data["theme"] = Value::from(theme);
                black_box(peer.commit(&plain_data));
            }
            ("floor", "get") => {
                black_box(floor.get(black_box(&header)));
            }
            ("floor", "roundtrip") => {
                let mut data = floor.get(black_box(&header)).expect("the cookie verifies");
                data["theme"] = Value::from(theme);
                black_box(floor.commit(&data));
            }
            ("cookie-crate", "get") => {
                black_box(peer.get(black_box(&peer_header)));
            }
            ("cookie-crate", "roundtrip") => {
                let mut data = peer
                    .get(black_box(&peer_header))
                    .expect("the cookie verifies");
                data["theme"] = Value::from(theme);
                black_box(peer.commit(&data));
            }
            _ => {
                eprintln!("unknown IMPL or OP: {implementation} {operation}");
                std::process::exit(2);
            }
        }
    }
}
