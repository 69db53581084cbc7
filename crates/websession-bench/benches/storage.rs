//! Times a session round trip through the server-side storages: load the session named by the
//! request's cookie, read `userId`, change `theme`, commit. The cookie carries only the signed
//! session id; the data lives in the store.
//!
//! - `memory`: [`MemoryStore`], in the process;
//! - `file`: [`FileStore`] in a fresh temporary directory (each commit writes a file, syncs
//!   it to disk and renames it);
//! - `redis`: [`RedisStore`] on the server at `BENCH_REDIS_URL` (for example
//!   `redis://127.0.0.1:6390/`), which `scripts/bench.sh` starts on loopback. Without that
//!   variable the Redis case is left out, with a message on standard error.
//!
//! `BENCH_QUICK=1` runs a few iterations of each.

// `criterion_group!` generates a public function without documentation.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tokio::runtime::Runtime;
use websession::{
    Cookie, CookieOptions, FileStore, MemoryStore, RedisStore, ServerSessionStorage, SessionStorage,
};
use websession_bench::Fixture;

/// Commits a session holding `data` and returns the request header that names it.
async fn seed(storage: &dyn SessionStorage, fixture: &Fixture, payload: &str) -> String {
    let mut session = storage.get_session(None).await.expect("new session");
    for (key, value) in fixture.payload(payload) {
        session.set(key.clone(), value.clone());
    }
    let set_cookie = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .expect("the store accepts the seed session");
    fixture.request_header(&set_cookie)
}

async fn roundtrip(storage: &dyn SessionStorage, header: &str, theme: &'static str) -> String {
    let mut session = storage
        .get_session(Some(header))
        .await
        .expect("the store reads the session");
    assert!(
        session.get("userId").is_some(),
        "the seeded session has a userId"
    );
    session.set("theme", theme);
    storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .expect("the store writes the session")
}

fn storages(runtime: &Runtime, fixture: &Fixture) -> Vec<(&'static str, Arc<dyn SessionStorage>)> {
    let cookie = Cookie::builder(fixture.cookie_name.clone())
        .secrets(&fixture.secrets)
        .http_only(true)
        .secure(true)
        .build()
        .expect("the fixture's secrets are not empty");

    let mut storages: Vec<(&'static str, Arc<dyn SessionStorage>)> = vec![
        (
            "memory",
            Arc::new(ServerSessionStorage::new(
                cookie.clone(),
                MemoryStore::new(),
            )),
        ),
        (
            "file",
            Arc::new(ServerSessionStorage::new(
                cookie.clone(),
                FileStore::new(temporary_directory()).expect("the temporary directory is usable"),
            )),
        ),
    ];
    match std::env::var("BENCH_REDIS_URL") {
        Ok(url) => {
            let store = runtime
                .block_on(RedisStore::connect(&url))
                .unwrap_or_else(|error| panic!("cannot reach Redis at {url}: {error}"));
            let store = store.with_prefix(format!("websession-bench-{}:", std::process::id()));
            storages.push(("redis", Arc::new(ServerSessionStorage::new(cookie, store))));
        }
        Err(_) => eprintln!(
            "redis left out: set BENCH_REDIS_URL (scripts/bench.sh starts a server and sets it)"
        ),
    }
    storages
}

fn temporary_directory() -> PathBuf {
    let directory = std::env::temp_dir().join(format!("websession-bench-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("the temporary directory can be created");
    directory
}

fn storage_roundtrip(c: &mut Criterion) {
    let fixture = Fixture::load();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let mut group = c.benchmark_group("storage_roundtrip");
    for (name, storage) in storages(&runtime, &fixture) {
        for payload in fixture.payload_names() {
            let header = runtime.block_on(seed(storage.as_ref(), &fixture, payload));
            let mut counter = 0u64;
            group.bench_function(BenchmarkId::new(name, payload), |b| {
                b.to_async(&runtime).iter(|| {
                    counter += 1;
                    let theme = if counter & 1 == 1 { "dark" } else { "lite" };
                    roundtrip(storage.as_ref(), black_box(&header), theme)
                })
            });
        }
    }
    group.finish();
    let _ = std::fs::remove_dir_all(temporary_directory());
}

criterion_group! {
    name = benches;
    config = support::config(50);
    targets = storage_roundtrip
}
criterion_main!(benches);
