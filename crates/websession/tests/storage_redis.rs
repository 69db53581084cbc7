//! [`RedisStore`] against a real `redis-server` that each test starts on a free loopback
//! port: the conformance scenarios, times to live, key prefixes, and an outage with
//! recovery.
//!
//! The tests fail, rather than skip, when `redis-server` is not installed. Cargo builds this
//! file only with the `redis` feature (`required-features` in `Cargo.toml`).

mod common;

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use common::conformance::{conformance_suite, cookie, start};
use common::log_capture::CapturedLog;
use common::redis_server::RedisServer;
use common::request_cookie;
use serde_json::{json, Map};
use websession::{
    CookieOptions, ManualClock, RedisStore, ServerSessionStorage, Session, SessionStorage,
    SessionStore, StorageError, StoreError, DEFAULT_MAX_LIFETIME,
};

async fn make_store() -> (RedisStore, ManualClock, Box<dyn Any>) {
    let server = RedisServer::start();
    let clock = ManualClock::new(start());
    let store = RedisStore::connect(&server.url())
        .await
        .expect("connect to the test's redis-server")
        .with_clock(Arc::new(clock.clone()));
    (store, clock, Box::new(server))
}

mod conformance {
    use super::*;

    conformance_suite!(make_store);
}

/// Returns the `TTL` of `key` in seconds: -2 when missing, -1 when it has no expiry.
fn ttl(server: &RedisServer, key: &str) -> i64 {
    server.command(redis::cmd("TTL").arg(key))
}

fn keys(server: &RedisServer) -> Vec<String> {
    let mut keys: Vec<String> = server.command(redis::cmd("KEYS").arg("*"));
    keys.sort();
    keys
}

fn object(value: serde_json::Value) -> Map<String, serde_json::Value> {
    value.as_object().cloned().unwrap()
}

#[tokio::test]
async fn ttl_follows_expiry_rounded_up() {
    let server = RedisServer::start();
    let clock = ManualClock::new(start());
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let data = object(json!({"a": 1}));

    let cases = [
        (Duration::from_secs(60), 60),
        (Duration::from_millis(1500), 2),
        (Duration::from_millis(200), 1),
        (Duration::from_millis(1), 1),
        (Duration::from_secs(3600), 3600),
    ];
    for (lifetime, expected) in cases {
        let id = store.create(&data, Some(start() + lifetime)).await.unwrap();
        let key = format!("websession:{id}");
        let seconds = ttl(&server, &key);
        // The TTL counts down in real time, so it may be a second lower than set.
        assert!(
            (expected - 1..=expected).contains(&seconds) && seconds >= 1,
            "{lifetime:?}: ttl {seconds}, expected {expected}"
        );

        assert!(store
            .update(&id, &data, Some(start() + lifetime))
            .await
            .unwrap());
        let seconds = ttl(&server, &key);
        assert!(
            (expected - 1..=expected).contains(&seconds) && seconds >= 1,
            "{lifetime:?} after update: ttl {seconds}"
        );
    }
}

#[tokio::test]
async fn ttl_without_expiry_is_max_lifetime() {
    let server = RedisServer::start();
    let clock = ManualClock::new(start());
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    let id = store.create(&Map::new(), None).await.unwrap();
    let max = DEFAULT_MAX_LIFETIME.as_secs() as i64;
    let seconds = ttl(&server, &format!("websession:{id}"));
    assert!(
        (max - 1..=max).contains(&seconds),
        "ttl {seconds}, max {max}"
    );

    let short = store.clone().with_max_lifetime(Duration::from_secs(90));
    assert!(short.update(&id, &Map::new(), None).await.unwrap());
    let seconds = ttl(&server, &format!("websession:{id}"));
    assert!((89..=90).contains(&seconds), "ttl {seconds}");
}

#[tokio::test]
async fn every_key_has_ttl() {
    let server = RedisServer::start();
    let (store, clock) = {
        let clock = ManualClock::new(start());
        let store = RedisStore::connect(&server.url())
            .await
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
        (store, clock)
    };
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());
    for max_age in [None, Some(1), Some(59), Some(86_400)] {
        let mut session = storage.get_session(None).await.unwrap();
        session.set("n", 1);
        let overrides = CookieOptions {
            max_age,
            ..CookieOptions::default()
        };
        storage
            .commit_session(&mut session, &overrides)
            .await
            .unwrap();
        storage
            .commit_session(&mut session, &overrides)
            .await
            .unwrap();
    }
    let keys = keys(&server);
    assert_eq!(keys.len(), 4);
    for key in keys {
        let seconds = ttl(&server, &key);
        assert!(
            seconds >= 1,
            "{key} has ttl {seconds}: never unbounded or zero"
        );
    }
}

#[tokio::test]
async fn max_age_zero_leaves_no_key() {
    let (store, clock, server) = make_store().await;
    let server = server.downcast::<RedisServer>().unwrap();
    let storage = ServerSessionStorage::new(cookie(&clock, None), store);
    let mut session = storage.get_session(None).await.unwrap();
    session.set("a", 1);
    storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    assert_eq!(keys(&server).len(), 1);

    let zero = CookieOptions {
        max_age: Some(0),
        ..CookieOptions::default()
    };
    storage.commit_session(&mut session, &zero).await.unwrap();
    assert_eq!(keys(&server), Vec::<String>::new());
}

#[tokio::test]
async fn keys_use_configured_prefix() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix("shop:session:");
    assert_eq!(store.prefix(), "shop:session:");
    let id = store.create(&object(json!({"a": 1})), None).await.unwrap();
    assert_eq!(keys(&server), vec![format!("shop:session:{id}")]);
    let value: String = server.command(redis::cmd("GET").arg(format!("shop:session:{id}")));
    assert!(value.ends_with(r#","data":{"a":1}}"#), "{value}");

    let other = RedisStore::connect(&server.url()).await.unwrap();
    assert_eq!(other.read(&id).await.unwrap(), None, "another prefix");
}

/// Values that are not records of the store: another program's text, JSON in another
/// layout, and a record cut short.
const FOREIGN_VALUES: [&str; 7] = [
    "not json",
    r#"{"expires":"soon","data":{}}"#,
    r#"{"expires":99999999999999,"data":["#,
    r#"{"expires":99999999999999,"data":{"#,
    // Another program's JSON that starts like a record and has expired.
    r#"{"expires":0,"queue":["a","b"]}"#,
    // JSON records in another layout, which the update and touch scripts cannot read.
    r#"{"expires": 99999999999999,"data":{"a":1}}"#,
    r#"{"data":{"a":1},"expires":99999999999999}"#,
];

/// Returns the lines of `log` that contain `text`.
fn lines_with(log: &CapturedLog, text: &str) -> Vec<String> {
    log.text()
        .lines()
        .filter(|line| line.contains(text))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn foreign_value_reads_as_no_session() {
    let log = CapturedLog::capture_this_thread();
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let key = "websession:planted-value";
    for value in FOREIGN_VALUES {
        let _: () = server.command(redis::cmd("SET").arg(key).arg(value));
        assert_eq!(store.read("planted-value").await.unwrap(), None, "{value}");
        let stored: String = server.command(redis::cmd("GET").arg(key));
        assert_eq!(stored, value, "the value is kept");
    }

    // One warning a minute: the first value's.
    let warnings = lines_with(&log, "redis session value is not a session record");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("held_back=0"), "{}", warnings[0]);
    assert!(!warnings[0].contains("planted-value"), "{}", warnings[0]);
}

#[tokio::test]
async fn other_type_reads_as_no_session() {
    let log = CapturedLog::capture_this_thread();
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let _: () = server.command(
        redis::cmd("HSET")
            .arg("websession:a-hash")
            .arg("f")
            .arg("v"),
    );
    let _: () = server.command(redis::cmd("RPUSH").arg("websession:a-list").arg("job"));

    assert_eq!(store.read("a-hash").await.unwrap(), None);
    assert_eq!(store.read("a-list").await.unwrap(), None);
    let value: String = server.command(redis::cmd("HGET").arg("websession:a-hash").arg("f"));
    assert_eq!(value, "v", "the hash is kept");
    let length: i64 = server.command(redis::cmd("LLEN").arg("websession:a-list"));
    assert_eq!(length, 1, "the list is kept");

    // One warning a minute: the hash's, without the key, which contains the session id.
    let warnings = lines_with(&log, "redis session key contains a value of another type");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(r#"redis_type="hash""#),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("held_back=0"), "{}", warnings[0]);
    assert!(!warnings[0].contains("a-hash"), "{}", warnings[0]);
}

#[tokio::test]
async fn foreign_value_survives_writes() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let key = "websession:planted-value";
    let data = object(json!({"a": 1}));
    for value in FOREIGN_VALUES {
        let _: () = server.command(redis::cmd("SET").arg(key).arg(value));
        let updated = store.update("planted-value", &data, None).await.unwrap();
        assert!(!updated, "{value}");
        assert!(
            !store.touch("planted-value", None).await.unwrap(),
            "{value}"
        );
        store.delete("planted-value").await.unwrap();
        let stored: String = server.command(redis::cmd("GET").arg(key));
        assert_eq!(stored, value, "the value is kept");
    }
}

#[tokio::test]
async fn cookie_naming_other_key_leaves_it() {
    let server = RedisServer::start();
    let clock = ManualClock::new(start());
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix("app:")
        .with_clock(Arc::new(clock.clone()));
    let storage = ServerSessionStorage::new(cookie(&clock, None), store.clone());
    let _: () = server.command(redis::cmd("SET").arg("app:config").arg("debug=1"));
    let _: () = server.command(redis::cmd("HSET").arg("app:profile").arg("name").arg("ann"));
    let _: () = server.command(redis::cmd("RPUSH").arg("app:queue").arg("job"));

    // Signed cookies naming the keys, as when a value signed for another cookie with the
    // same secrets is sent as this one.
    for id in ["config", "profile", "queue"] {
        let set_cookie = storage
            .cookie()
            .serialize(&json!(id), &CookieOptions::default())
            .unwrap();
        let mut session = storage
            .get_session(Some(request_cookie(&set_cookie)))
            .await
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        assert!(session.data().is_empty(), "{id}");
        storage
            .destroy_session(&mut session, &CookieOptions::default())
            .await
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        assert!(!store.update(id, &Map::new(), None).await.unwrap(), "{id}");
        assert!(!store.touch(id, None).await.unwrap(), "{id}");
    }

    let config: String = server.command(redis::cmd("GET").arg("app:config"));
    assert_eq!(config, "debug=1");
    let name: String = server.command(redis::cmd("HGET").arg("app:profile").arg("name"));
    assert_eq!(name, "ann");
    let queue: Vec<String> = server.command(redis::cmd("LRANGE").arg("app:queue").arg(0).arg(-1));
    assert_eq!(queue, vec!["job"]);
    assert_eq!(ttl(&server, "app:config"), -1, "no expiry was set");
}

#[tokio::test]
async fn expired_record_not_updated() {
    let (store, clock, _server) = make_store().await;
    let id = store
        .create(
            &object(json!({"a": 1})),
            Some(start() + Duration::from_secs(10)),
        )
        .await
        .unwrap();
    // Redis keeps the key for seconds more, but by the store's clock it has expired.
    clock.advance(Duration::from_secs(10));
    assert!(!store.update(&id, &Map::new(), None).await.unwrap());
    assert_eq!(store.read(&id).await.unwrap(), None);
}

#[tokio::test]
async fn debug_shows_address_and_prefix() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_prefix("shop:");
    assert_eq!(
        format!("{store:?}"),
        format!(
            "RedisStore {{ server: Some(\"127.0.0.1:{}\"), prefix: \"shop:\", clock: SystemClock, \
             max_lifetime: 1209600s, .. }}",
            server.port()
        )
    );
}

/// Returns the counters of `command` from `INFO commandstats`, such as `calls` and
/// `rejected_calls`.
fn command_stats(server: &RedisServer, command: &str) -> std::collections::HashMap<String, u64> {
    let info: String = server.command(redis::cmd("INFO").arg("commandstats"));
    let prefix = format!("cmdstat_{command}:");
    let line = info
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no {prefix} line in {info}"));
    line.split(',')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(name, value)| Some((name.to_owned(), value.parse().ok()?)))
        .collect()
}

#[tokio::test]
async fn rejected_command_is_not_retried() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    // Over `maxmemory` with the default `noeviction` policy, Redis rejects every write with
    // an OOM error while the connection stays up.
    let () = server.command(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg("1"));

    let error = store
        .create(&object(json!({"a": 1})), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Redis {
                operation: "create",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("OOM"), "{error}");
    let stats = command_stats(&server, "set");
    assert_eq!(stats["rejected_calls"], 1, "{stats:?}");
    assert_eq!(stats["calls"], 0, "{stats:?}");
}

#[tokio::test]
async fn memory_full_hints_at_maxmemory() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let data = object(json!({"a": 1}));
    let id = store.create(&data, None).await.unwrap();
    // Over `maxmemory` with the default `noeviction` policy, Redis rejects every write with
    // an OOM error. `create` sends a plain `SET` and `update` writes inside a Lua script,
    // whose error also names the script and line.
    let () = server.command(redis::cmd("CONFIG").arg("SET").arg("maxmemory").arg("1"));

    let created = store.create(&data, None).await.unwrap_err().to_string();
    let updated = store
        .update(&id, &data, None)
        .await
        .unwrap_err()
        .to_string();

    for message in [created, updated] {
        assert_hint(
            &message,
            "OOM",
            "; raise the Redis server's maxmemory or free memory there",
        );
    }
}

/// Checks that an error message names the server's error and ends with the given hint.
fn assert_hint(message: &str, server_error: &str, hint: &str) {
    assert!(message.contains(server_error), "{message}");
    assert!(message.ends_with(hint), "{message}");
}

const PASSWORD_HINT: &str =
    "; add the server's password to the Redis URL, as in redis://:PASSWORD@HOST:PORT/";

/// Starts a server that requires a password, which the URL of [`RedisServer::url`] lacks.
fn server_with_password() -> RedisServer {
    let server = RedisServer::start();
    // The helper's own commands connect without a password, so this is its last command.
    let () = server.command(
        redis::cmd("CONFIG")
            .arg("SET")
            .arg("requirepass")
            .arg("test password"),
    );
    server
}

#[tokio::test]
async fn missing_password_hints_at_url() {
    let server = server_with_password();
    // With database 0, connecting sends only commands whose replies are ignored, so the
    // missing password shows at the first operation.
    let store = RedisStore::connect(&server.url()).await.unwrap();

    let error = store.read("abc").await.unwrap_err();

    assert!(
        matches!(
            error,
            StoreError::Redis {
                operation: "read",
                ..
            }
        ),
        "{error:?}"
    );
    assert_hint(&error.to_string(), "NOAUTH", PASSWORD_HINT);
}

#[tokio::test]
async fn missing_password_with_database_fails_at_connect() {
    let server = server_with_password();

    // A URL that names a database other than 0 makes connecting send SELECT, which the
    // server rejects. The `redis` crate reports that without the NOAUTH code.
    let Err(error) = RedisStore::connect(&format!("{}1", server.url())).await else {
        panic!("connected without the password");
    };

    assert_hint(
        &error.to_string(),
        "Authentication required.",
        PASSWORD_HINT,
    );
}

#[tokio::test]
async fn database_out_of_range_hints_at_url() {
    let server = RedisServer::start();

    let Err(error) = RedisStore::connect(&format!("{}99", server.url())).await else {
        panic!("connected to database 99 of a server with 16");
    };

    assert_hint(
        &error.to_string(),
        "DB index is out of range",
        "; choose a database number that the server has, below its `databases` setting (16 by \
         default), at the end of the Redis URL",
    );
}

#[tokio::test]
async fn timed_out_command_is_not_retried() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url()).await.unwrap();
    let data = object(json!({"a": 1}));
    // Redis delays write commands until the pause ends, long after the store's 5-second
    // response timeout.
    let () = server.command(redis::cmd("CLIENT").arg("PAUSE").arg(600_000).arg("WRITE"));

    let error = store.create(&data, None).await.unwrap_err();
    let StoreError::Redis { source, .. } = &error else {
        panic!("expected a Redis error, got {error:?}");
    };
    assert!(source.is_timeout(), "{error:?}");

    // The timed-out command still waits on the connection and runs when the pause ends. A
    // create after it on the same connection returns once it has run, so Redis has then run
    // one `SET` for each create, and a third had the first been sent again.
    let () = server.command(redis::cmd("CLIENT").arg("UNPAUSE"));
    store.create(&data, None).await.unwrap();
    let stats: String = server.command(redis::cmd("INFO").arg("commandstats"));
    let set_calls = stats
        .lines()
        .find_map(|line| line.strip_prefix("cmdstat_set:calls="))
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no SET calls in {stats}"));
    assert_eq!(set_calls, "2", "{stats}");
}

async fn storage_on(server: &RedisServer) -> ServerSessionStorage<RedisStore> {
    let clock = ManualClock::new(start());
    let store = RedisStore::connect(&server.url())
        .await
        .unwrap()
        .with_clock(Arc::new(clock.clone()));
    ServerSessionStorage::new(cookie(&clock, None), store)
}

/// Commits a session of user alice and returns it with its `Set-Cookie` value.
async fn committed_alice(storage: &ServerSessionStorage<RedisStore>) -> (Session, String) {
    let mut session = storage.get_session(None).await.unwrap();
    session.set("user", "alice");
    let set_cookie = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .unwrap();
    (session, set_cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_gives_typed_error_then_recovers() {
    let mut server = RedisServer::start();
    let port = server.port();
    let storage = storage_on(&server).await;
    let (mut session, set_cookie) = committed_alice(&storage).await;
    let cookie_header = request_cookie(&set_cookie).to_owned();

    // Redis goes away mid-run.
    server.stop();
    let error = storage
        .get_session(Some(&cookie_header))
        .await
        .expect_err("reading with Redis down is an error, not an empty session");
    assert!(
        matches!(
            error,
            StorageError::Store(StoreError::Redis {
                operation: "read",
                ..
            })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!(
            "redis read of a session failed on 127.0.0.1:{port}: "
        )),
        "{error}"
    );

    session.set("visits", 2);
    let error = storage
        .commit_session(&mut session, &CookieOptions::default())
        .await
        .expect_err("committing with Redis down is an error");
    assert!(
        matches!(
            error,
            StorageError::Store(StoreError::Redis {
                operation: "update",
                ..
            })
        ),
        "{error:?}"
    );
    assert!(
        session.is_changed(),
        "a failed commit leaves the session unsaved"
    );

    let mut fresh = storage.get_session(None).await.unwrap();
    fresh.set("a", 1);
    let error = storage
        .commit_session(&mut fresh, &CookieOptions::default())
        .await
        .expect_err("creating with Redis down is an error");
    assert!(
        matches!(
            error,
            StorageError::Store(StoreError::Redis {
                operation: "create",
                ..
            })
        ),
        "{error:?}"
    );
    assert_eq!(fresh.id(), "", "no id without a record");

    // Redis comes back on the same port, without the data, as after a restart without
    // persistence.
    // The first request after the restart succeeds, although the store's last attempt to
    // reconnect failed while the server was down.
    server.restart();
    assert_eq!(server.port(), port);
    let reloaded = storage
        .get_session(Some(&cookie_header))
        .await
        .expect("the first read after the restart succeeds");
    assert_eq!(reloaded.id(), "", "the record was lost with the old server");
    assert!(reloaded.data().is_empty());

    let set_cookie = storage
        .commit_session(&mut fresh, &CookieOptions::default())
        .await
        .expect("the first commit after the restart succeeds");
    let read_back = storage
        .get_session(Some(request_cookie(&set_cookie)))
        .await
        .unwrap();
    assert_eq!(read_back.data(), &object(json!({"a": 1})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_between_requests_is_unnoticed() {
    let mut server = RedisServer::start();
    let storage = storage_on(&server).await;
    committed_alice(&storage).await;

    // No request runs while the server is down, so the first one after the restart finds a
    // connection that the server closed.
    server.restart();
    let mut fresh = storage
        .get_session(None)
        .await
        .expect("a session without a cookie");
    fresh.set("user", "bob");
    let set_cookie = storage
        .commit_session(&mut fresh, &CookieOptions::default())
        .await
        .expect("the first commit after the restart succeeds");
    let read_back = storage
        .get_session(Some(request_cookie(&set_cookie)))
        .await
        .unwrap();
    assert_eq!(read_back.data(), &object(json!({"user": "bob"})));
}
