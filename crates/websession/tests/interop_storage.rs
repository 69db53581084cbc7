//! Runs the `session.storage` and `session.memory` JavaScript vectors against the server-side
//! storages.
//!
//! Every `*.json` vector file in the shared vectors directory (and in `INTEROP_VECTORS_DIR`,
//! when set) is read. `session.storage` vectors run against a store that records its calls
//! and numbers its ids `sid-1`, `sid-2`, … like the JavaScript test strategy, so cookies and
//! calls compare byte for byte. `session.memory` vectors run against [`MemoryStore`],
//! [`FileStore`] and, with the `redis` feature, a Redis store on a `redis-server` that the
//! test starts. Their JavaScript ids come from `Math.random` (or a counter in solid-start)
//! and ours from the operating system's random number generator, so ids are compared by
//! shape: each JavaScript id must correspond to exactly one of ours throughout the vector,
//! and a cookie must carry, correctly signed, the id that corresponds to the JavaScript one.
//!
//! # How a case is judged
//!
//! A small model of a server-side session storage replays each vector's input steps. Its
//! switches are the behaviours in which the JavaScript libraries and this library may
//! differ: the expiry a commit hands to the store (rule 9), adopting an unknown id (rule 10),
//! a `Max-Age` on the deletion cookie (rule 8), and checking ids before a store sees them
//! (ours; the JavaScript libraries even call `deleteData("")`).
//!
//! 1. With the switches set as the vector's implementation behaves, the model must reproduce
//!    the JavaScript result exactly; otherwise the model is wrong and the case fails.
//! 2. With our switches, the model must reproduce what our storage does; otherwise the case
//!    fails.
//! 3. When both runs agree the case passed; otherwise it departed by every switch that, set
//!    on its own to our behaviour, changes the JavaScript run.
//!
//! So a departure is decided from the input and the JavaScript result, never from a vector
//! id. The test prints one line per implementation and fails when any case fails. It runs
//! without the libtest harness, so those lines show without `--nocapture`.

mod common;
mod interop_support;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use common::recording_store::RecordingStore;
use common::{request_cookie, TempDir};
use interop_support::judge::Tally;
use interop_support::{
    build_cookie, clock_of, convert_options_for, js_equal, load_vector_files, secrets_of, Profile,
};
use serde_json::{json, Map, Value};
use websession::{
    is_valid_session_id, Clock, Cookie, CookieOptions, FileStore, ManualClock, MemoryStore,
    ServerSessionStorage, Session, SessionStorage, SessionStore,
};

const KINDS: [&str; 2] = ["session.storage", "session.memory"];

fn main() {
    // Without the libtest harness, `#[test]` functions are not compiled in, so every test of
    // this file is listed here.
    interop_support::run_unharnessed(
        "id_correspondence_is_one_to_one",
        id_correspondence_is_one_to_one,
    );
    interop_support::run_unharnessed("id_cookie_decodes", id_cookie_decodes);
    interop_support::run_unharnessed(
        "interop_storage_vectors_pass_or_depart_by_rule",
        interop_storage_vectors_pass_or_depart_by_rule,
    );
}

fn interop_storage_vectors_pass_or_depart_by_rule() {
    let files = load_vector_files();
    assert!(!files.is_empty(), "no vector files found");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    #[cfg(feature = "redis")]
    let redis_server = common::redis_server::RedisServer::start();
    #[cfg(feature = "redis")]
    let redis_url = Some(redis_server.url());
    #[cfg(not(feature = "redis"))]
    let redis_url: Option<String> = None;

    let mut failures = Vec::new();
    let mut covered = 0;
    for (path, vectors) in &files {
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        for vector in vectors {
            let kind = vector["kind"].as_str().unwrap_or_default();
            if !KINDS.contains(&kind) {
                continue;
            }
            let implementation = vector["impl"].as_str().unwrap_or("unknown").to_owned();
            for (store, outcome) in runtime.block_on(run_vector(vector, redis_url.as_deref())) {
                covered += 1;
                if let Outcome::Failed(reason) = &outcome {
                    failures.push(format!(
                        "{} [{implementation}, {store} store] {}: {reason}",
                        path.display(),
                        vector["id"].as_str().unwrap_or("?")
                    ));
                }
                if std::env::var_os("INTEROP_VERBOSE").is_some() {
                    println!("  [{implementation}, {store}] {}: {outcome}", vector["id"]);
                }
                record(tallies.entry(implementation.clone()).or_default(), &outcome);
            }
        }
        for (implementation, tally) in &tallies {
            println!(
                "interop storage {implementation} ({}): {tally}",
                path.display()
            );
        }
    }
    assert!(
        covered > 0,
        "no session.storage or session.memory vectors found"
    );
    assert!(
        failures.is_empty(),
        "{} failed cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The result of one vector against one store.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Passed,
    Departed(Vec<Switch>),
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Passed => f.write_str("passed"),
            Outcome::Departed(switches) => {
                let names: Vec<&str> = switches.iter().map(|switch| switch.rule()).collect();
                write!(f, "departed by {}", names.join(" and "))
            }
            Outcome::Failed(reason) => write!(f, "failed: {reason}"),
        }
    }
}

/// Adds one outcome to the shared tally, naming a departure by all its rules.
fn record(tally: &mut Tally, outcome: &Outcome) {
    match outcome {
        Outcome::Passed => tally.record_pass(),
        Outcome::Departed(switches) => {
            let names: Vec<&str> = switches.iter().map(|switch| switch.rule()).collect();
            tally.record_departure(names.join(" and "));
        }
        Outcome::Failed(_) => tally.record_failure(),
    }
}

/// The behaviours in which a storage of the JavaScript libraries and ours may differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Switch {
    /// Rule 9: a commit's `maxAge` or `expires` decides the expiry handed to the store.
    CommitExpiry,
    /// Rule 10: a correctly signed id without a record starts a new session with no id, and
    /// a commit does not write a record that no longer exists. An id that no store can hold
    /// (see `is_valid_session_id`) has no record, so it is not even read.
    NoAdoption,
    /// Rule 8: the deletion cookie has no `Max-Age`.
    DeletionWithoutMaxAge,
}

impl Switch {
    const ALL: [Switch; 3] = [
        Switch::CommitExpiry,
        Switch::NoAdoption,
        Switch::DeletionWithoutMaxAge,
    ];

    fn rule(self) -> &'static str {
        match self {
            Switch::CommitExpiry => "rule 9",
            Switch::NoAdoption => "rule 10",
            Switch::DeletionWithoutMaxAge => "rule 8",
        }
    }
}

/// A set of switches: a behaviour is ours when its switch is in the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Semantics([bool; 3]);

impl Semantics {
    fn ours() -> Semantics {
        Semantics([true; 3])
    }

    /// How the vector's implementation behaves.
    fn of(profile: Profile) -> Semantics {
        let mut semantics = Semantics([false; 3]);
        if profile == Profile::Default {
            // Remix and React Router use the commit's options and drop maxAge on destroy.
            semantics.set(Switch::CommitExpiry, true);
            semantics.set(Switch::DeletionWithoutMaxAge, true);
        }
        semantics
    }

    fn has(self, switch: Switch) -> bool {
        self.0[switch as usize]
    }

    fn set(&mut self, switch: Switch, on: bool) {
        self.0[switch as usize] = on;
    }
}

/// What a run produced: one entry per step, shaped like the vectors' expected steps, and the
/// store calls when they are recorded.
#[derive(Debug, Clone, PartialEq)]
struct Trace {
    steps: Vec<Value>,
    calls: Option<Vec<Value>>,
}

/// Runs a vector against each store that its kind covers; `redis_url` adds a Redis store.
async fn run_vector(vector: &Value, redis_url: Option<&str>) -> Vec<(&'static str, Outcome)> {
    let profile = Profile::of(vector);
    let memory_kind = vector["kind"] == "session.memory";
    let js = Trace {
        steps: array(&vector["expected"]["steps"]),
        calls: (!memory_kind).then(|| array(&vector["expected"]["calls"])),
    };

    if memory_kind {
        if let Err(reason) = check_js_cookies_verify(vector, &js.steps) {
            return vec![("model", Outcome::Failed(reason))];
        }
    }
    let js_model = run_model(vector, Semantics::of(profile));
    if let Err(difference) = compare(&js_model, &js, memory_kind) {
        let reason = format!("the model does not reproduce JavaScript: {difference}");
        return vec![("model", Outcome::Failed(reason))];
    }
    let ours_model = run_model(vector, Semantics::ours());
    let departure = departures(vector, profile, &js_model, &ours_model, memory_kind);

    let mut runs = Vec::new();
    if memory_kind {
        let clock = clock_of(vector);
        let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
        runs.push(("memory", run_ours(vector, store, &clock, None).await));

        let directory = TempDir::new("interop");
        let clock = clock_of(vector);
        let store = FileStore::new(directory.path())
            .expect("store directory")
            .with_clock(Arc::new(clock.clone()));
        runs.push(("file", run_ours(vector, store, &clock, None).await));

        if let Some(url) = redis_url {
            runs.push(("redis", run_on_redis(vector, url).await));
        }
    } else {
        let clock = clock_of(vector);
        let store = RecordingStore::new();
        for (id, data) in object(&vector["input"]["preload"]) {
            store.preload(&id, object(&data));
        }
        runs.push((
            "recording",
            run_ours(vector, store.clone(), &clock, Some(store)).await,
        ));
    }

    runs.into_iter()
        .map(|(store, ours)| {
            let outcome = match ours.map(|trace| compare(&trace, &ours_model, memory_kind)) {
                Err(error) | Ok(Err(error)) => Outcome::Failed(error),
                Ok(Ok(())) => departure.clone(),
            };
            (store, outcome)
        })
        .collect()
}

/// Replays a vector on a Redis store whose key prefix no other run uses.
#[cfg(feature = "redis")]
async fn run_on_redis(vector: &Value, url: &str) -> Result<Trace, String> {
    let clock = clock_of(vector);
    let prefix = format!("interop:{}:", websession::generate_session_id());
    let store = websession::RedisStore::connect(url)
        .await
        .map_err(|error| format!("cannot connect to the test's redis-server: {error}"))?
        .with_prefix(prefix)
        .with_clock(Arc::new(clock.clone()));
    run_ours(vector, store, &clock, None).await
}

#[cfg(not(feature = "redis"))]
async fn run_on_redis(_: &Value, _: &str) -> Result<Trace, String> {
    Err("a Redis url was given without the redis feature".into())
}

/// Decides whether our behaviour departs from JavaScript for this input, and by which
/// switches.
fn departures(
    vector: &Value,
    profile: Profile,
    js_model: &Trace,
    ours_model: &Trace,
    memory_kind: bool,
) -> Outcome {
    if compare(ours_model, js_model, memory_kind).is_ok() {
        return Outcome::Passed;
    }
    let js_semantics = Semantics::of(profile);
    let mut switches = Vec::new();
    for switch in Switch::ALL {
        if js_semantics.has(switch) {
            continue;
        }
        let mut one = js_semantics;
        one.set(switch, true);
        if compare(&run_model(vector, one), js_model, memory_kind).is_err() {
            switches.push(switch);
        }
    }
    if switches.is_empty() {
        return Outcome::Failed("differs from JavaScript, but no single rule explains it".into());
    }
    Outcome::Departed(switches)
}

/// Builds the cookie of a vector, configured as RULES.md requires for its implementation.
fn vector_cookie(vector: &Value, clock: &ManualClock) -> Cookie {
    let js_cookie = &vector["input"]["cookie"];
    let name = js_cookie["name"].as_str().unwrap_or("__session");
    let secrets = secrets_of(&js_cookie["secrets"]);
    let (cookie, _) = build_cookie(Profile::of(vector), name, js_cookie, &secrets, clock)
        .expect("vector cookie configuration is valid");
    cookie
}

fn step_options(vector: &Value, step: &Value) -> CookieOptions {
    convert_options_for(Profile::of(vector), &step["options"])
        .expect("step options are expressible")
        .options
}

/// Resolves a step's header: `null`, a literal, or `$lastCommit`.
fn step_header(step: &Value, last_commit: &str) -> Option<String> {
    match step["header"].as_str() {
        Some("$lastCommit") => Some(last_commit.to_owned()),
        Some(header) => Some(header.to_owned()),
        None => None,
    }
}

/// Applies an `op` step to a session and returns its entry.
fn apply_op(session: &mut Session, step: &Value) -> Value {
    let name = step["name"].as_str().unwrap_or_default();
    let op = step["op"].as_str().unwrap_or_default();
    let result = match op {
        "set" => {
            session.set(name, step["value"].clone());
            None
        }
        "flash" => {
            session.flash(name, step["value"].clone());
            None
        }
        "unset" => {
            session.unset(name);
            None
        }
        "get" => Some(session.get(name).unwrap_or(json!({"$undefined": true}))),
        "has" => Some(Value::Bool(session.has(name))),
        "data" => Some(Value::Object(session.data().clone())),
        "id" => Some(Value::String(session.id().to_owned())),
        other => panic!("vector uses an op this test does not know: {other}"),
    };
    let mut entry = json!({"step": "op", "op": op});
    if let Some(result) = result {
        entry["result"] = result;
    }
    entry
}

/// A record of the model store: data and expiry in milliseconds.
type ModelRecord = (Map<String, Value>, Option<i64>);

/// Replays a vector on a model of a server-side storage with the given semantics.
fn run_model(vector: &Value, semantics: Semantics) -> Trace {
    let memory_kind = vector["kind"] == "session.memory";
    let clock = clock_of(vector);
    let cookie = vector_cookie(vector, &clock);
    let now = || millis(clock.now());

    let mut records: HashMap<String, ModelRecord> = object(&vector["input"]["preload"])
        .into_iter()
        .map(|(id, data)| (id, (object(&data), None)))
        .collect();
    let mut created = 0;
    let mut calls = Vec::new();
    let mut session = Session::new();
    let mut last_commit = String::new();
    let mut steps = Vec::new();

    for step in array(&vector["input"]["steps"]) {
        let entry = match step["step"].as_str().unwrap_or_default() {
            "getSession" => {
                let header = step_header(&step, &last_commit);
                let id = cookie
                    .parse(header.as_deref())
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let checked = !semantics.has(Switch::NoAdoption) || is_valid_session_id(&id);
                session = Session::new();
                if !id.is_empty() && checked {
                    let live = records
                        .get(&id)
                        .filter(|(_, expires)| is_live(*expires, now()))
                        .map(|(data, _)| data.clone());
                    if live.is_none() {
                        records.remove(&id);
                    }
                    let returned = live.clone().map(Value::Object).unwrap_or(Value::Null);
                    calls.push(json!({"fn": "readData", "id": id, "returned": returned}));
                    match live {
                        Some(data) => session = Session::from_data(id.as_str(), data),
                        None if semantics.has(Switch::NoAdoption) => {}
                        None => session = Session::from_data(id.as_str(), Map::new()),
                    }
                }
                json!({"step": "getSession", "id": session.id(), "data": session.data()})
            }
            "op" => apply_op(&mut session, &step),
            "commit" => {
                let options = step_options(vector, &step);
                let from_commit = options.max_age.is_some() || options.expires.is_some();
                let expires = if semantics.has(Switch::CommitExpiry) && from_commit {
                    match options.max_age {
                        Some(seconds) => Some(now() + seconds * 1000),
                        None => options.expires.map(millis),
                    }
                } else {
                    cookie.expires().map(millis)
                };
                let data = session.data().clone();
                let js_expiry = expires
                    .map(|at| json!({"$date": at}))
                    .unwrap_or(Value::Null);
                let set_cookie = if session.id().is_empty() {
                    created += 1;
                    let id = if memory_kind {
                        format!("model-{created}")
                    } else {
                        format!("sid-{created}")
                    };
                    calls.push(json!({"fn": "createData", "data": data, "expires": js_expiry, "returned": id}));
                    records.insert(id.clone(), (data, expires));
                    session = Session::from_data(id.as_str(), session.data().clone());
                    cookie.serialize(&json!(id), &options).unwrap()
                } else {
                    let id = session.id().to_owned();
                    calls.push(
                        json!({"fn": "updateData", "id": id, "data": data, "expires": js_expiry}),
                    );
                    let live = records
                        .get(&id)
                        .is_some_and(|(_, expires)| is_live(*expires, now()));
                    if live || !semantics.has(Switch::NoAdoption) {
                        records.insert(id.clone(), (data, expires));
                        cookie.serialize(&json!(id), &options).unwrap()
                    } else {
                        session = Session::new();
                        cookie.deletion(&options).unwrap()
                    }
                };
                last_commit = request_cookie(&set_cookie).to_owned();
                json!({"step": "commit", "setCookie": set_cookie})
            }
            "destroy" => {
                let options = step_options(vector, &step);
                let id = session.id().to_owned();
                // Both pass the empty id of a session that was never stored.
                if id.is_empty() || !semantics.has(Switch::NoAdoption) || is_valid_session_id(&id) {
                    calls.push(json!({"fn": "deleteData", "id": id}));
                    records.remove(&id);
                }
                let set_cookie = if semantics.has(Switch::DeletionWithoutMaxAge) {
                    cookie.deletion(&options).unwrap()
                } else {
                    let keep_max_age = CookieOptions {
                        expires: Some(UNIX_EPOCH),
                        ..options
                    };
                    cookie.serialize(&json!(""), &keep_max_age).unwrap()
                };
                session = Session::new();
                json!({"step": "destroy", "setCookie": set_cookie})
            }
            "advanceClock" => advance(&clock, &step),
            other => panic!("vector uses a step this test does not know: {other}"),
        };
        steps.push(entry);
    }
    Trace {
        steps,
        calls: (!memory_kind).then_some(calls),
    }
}

/// Replays a vector on our storage.
async fn run_ours<S: SessionStore>(
    vector: &Value,
    store: S,
    clock: &ManualClock,
    recording: Option<RecordingStore>,
) -> Result<Trace, String> {
    let storage = ServerSessionStorage::new(vector_cookie(vector, clock), store);
    let mut session = Session::new();
    let mut last_commit = String::new();
    let mut steps = Vec::new();

    for step in array(&vector["input"]["steps"]) {
        let entry = match step["step"].as_str().unwrap_or_default() {
            "getSession" => {
                let header = step_header(&step, &last_commit);
                session = storage
                    .get_session(header.as_deref())
                    .await
                    .map_err(|error| format!("get_session failed: {error}"))?;
                json!({"step": "getSession", "id": session.id(), "data": session.data()})
            }
            "op" => apply_op(&mut session, &step),
            "commit" => {
                let set_cookie = storage
                    .commit_session(&mut session, &step_options(vector, &step))
                    .await
                    .map_err(|error| format!("commit_session failed: {error}"))?;
                if !session.id().is_empty() {
                    if recording.is_none() {
                        check_id_shape(session.id())?;
                    }
                    let carried = storage.cookie().parse(Some(request_cookie(&set_cookie)));
                    if carried != Some(json!(session.id())) {
                        return Err(format!("commit cookie {set_cookie} does not carry the id"));
                    }
                }
                last_commit = request_cookie(&set_cookie).to_owned();
                json!({"step": "commit", "setCookie": set_cookie})
            }
            "destroy" => {
                let set_cookie = storage
                    .destroy_session(&mut session, &step_options(vector, &step))
                    .await
                    .map_err(|error| format!("destroy_session failed: {error}"))?;
                json!({"step": "destroy", "setCookie": set_cookie})
            }
            "advanceClock" => advance(clock, &step),
            other => return Err(format!("unknown step {other}")),
        };
        steps.push(entry);
    }
    Ok(Trace {
        steps,
        calls: recording.map(|store| store.calls()),
    })
}

/// Checks that every id cookie that JavaScript wrote verifies with our cookie configuration
/// and carries a string, since ids written by `Math.random` are compared by shape only.
fn check_js_cookies_verify(vector: &Value, steps: &[Value]) -> Result<(), String> {
    let clock = clock_of(vector);
    let cookie = vector_cookie(vector, &clock);
    for step in steps.iter().filter(|step| step["step"] == "commit") {
        let set_cookie = step["setCookie"].as_str().unwrap_or_default();
        let pair = request_cookie(set_cookie);
        if pair.ends_with('=') {
            continue;
        }
        match cookie.parse(Some(pair)) {
            Some(Value::String(_)) => {}
            other => {
                return Err(format!(
                    "JavaScript cookie {pair} does not read back as an id: {other:?}"
                ))
            }
        }
    }
    Ok(())
}

/// Our ids: 128 bits in URL-safe base64 without padding.
fn check_id_shape(id: &str) -> Result<(), String> {
    let shaped = id.len() == 22
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if shaped {
        Ok(())
    } else {
        Err(format!(
            "id of {} characters is not 22 of URL-safe base64",
            id.len()
        ))
    }
}

fn advance(clock: &ManualClock, step: &Value) -> Value {
    let ms = step["ms"].as_u64().expect("advanceClock has ms");
    clock.advance(Duration::from_millis(ms));
    json!({"step": "advanceClock"})
}

/// Compares a run with a reference run. With `by_shape`, ids are compared through a
/// one-to-one correspondence built as they appear.
fn compare(run: &Trace, reference: &Trace, by_shape: bool) -> Result<(), String> {
    if run.steps.len() != reference.steps.len() {
        return Err(format!(
            "{} steps, reference has {}",
            run.steps.len(),
            reference.steps.len()
        ));
    }
    let mut ids = IdCorrespondence::default();
    for (index, (ours, theirs)) in run.steps.iter().zip(&reference.steps).enumerate() {
        let same = compare_step(ours, theirs, by_shape, &mut ids);
        if !same {
            return Err(format!("step {index}: {ours}\n      reference {theirs}"));
        }
    }
    if let (Some(ours), Some(theirs)) = (&run.calls, &reference.calls) {
        let same =
            ours.len() == theirs.len() && ours.iter().zip(theirs).all(|(a, b)| js_equal(a, b));
        if !same {
            return Err(format!(
                "store calls {}\n      reference {}",
                Value::Array(ours.clone()),
                Value::Array(theirs.clone())
            ));
        }
    }
    Ok(())
}

fn compare_step(ours: &Value, theirs: &Value, by_shape: bool, ids: &mut IdCorrespondence) -> bool {
    let same_id = |ids: &mut IdCorrespondence, a: &Value, b: &Value| match (a.as_str(), b.as_str())
    {
        (Some(a), Some(b)) if by_shape => ids.matches(a, b),
        _ => a == b,
    };
    match theirs["step"].as_str() {
        Some("getSession") => {
            same_id(ids, &ours["id"], &theirs["id"]) && js_equal(&ours["data"], &theirs["data"])
        }
        Some("op") if theirs.get("result").is_some() => {
            if theirs["op"] == "id" {
                same_id(ids, &ours["result"], &theirs["result"])
            } else {
                js_equal(&ours["result"], &theirs["result"])
            }
        }
        Some("op") => ours.get("result").is_none(),
        Some("commit" | "destroy") => {
            let (Some(a), Some(b)) = (ours["setCookie"].as_str(), theirs["setCookie"].as_str())
            else {
                return false;
            };
            if !by_shape {
                return a == b;
            }
            compare_id_cookies(a, b, ids)
        }
        _ => true,
    }
}

/// Compares two `Set-Cookie` values whose value may be a signed id: the attributes must be
/// equal, and the ids must correspond. Signatures are checked where the cookies are made:
/// JavaScript's by `check_js_cookies_verify` and ours right after each commit. The exact
/// bytes of id cookies are compared by the `session.storage` vectors.
fn compare_id_cookies(ours: &str, theirs: &str, ids: &mut IdCorrespondence) -> bool {
    let split = |header: &str| {
        let (pair, attributes) = header.split_once("; ").unwrap_or((header, ""));
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (name.to_owned(), value.to_owned(), attributes.to_owned())
    };
    let (our_name, our_value, our_attributes) = split(ours);
    let (their_name, their_value, their_attributes) = split(theirs);
    if our_name != their_name || our_attributes != their_attributes {
        return false;
    }
    match (decode_id(&our_value), decode_id(&their_value)) {
        (Some(a), Some(b)) => ids.matches(&a, &b),
        (None, None) => our_value == their_value,
        _ => false,
    }
}

/// Reads the id out of a cookie value: percent-decoded, the payload before the last `.`
/// (or the whole value when unsigned), base64 of a JSON string.
fn decode_id(value: &str) -> Option<String> {
    use base64::Engine as _;

    let decoded = percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()?;
    let payload = decoded
        .rsplit_once('.')
        .map_or(&*decoded, |(payload, _)| payload);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::String(id) => Some(id),
        _ => None,
    }
}

/// A one-to-one correspondence between the ids of two runs.
#[derive(Debug, Default)]
struct IdCorrespondence {
    forward: HashMap<String, String>,
    backward: HashMap<String, String>,
}

impl IdCorrespondence {
    fn matches(&mut self, ours: &str, theirs: &str) -> bool {
        if ours.is_empty() || theirs.is_empty() {
            return ours == theirs;
        }
        match (self.forward.get(ours), self.backward.get(theirs)) {
            (Some(mapped), _) => mapped == theirs,
            (None, Some(_)) => false,
            (None, None) => {
                self.forward.insert(ours.to_owned(), theirs.to_owned());
                self.backward.insert(theirs.to_owned(), ours.to_owned());
                true
            }
        }
    }
}

/// Returns `true` while a model record has not expired; one without expiry never does.
fn is_live(expires: Option<i64>, now: i64) -> bool {
    expires.is_none_or(|at| at > now)
}

fn millis(time: std::time::SystemTime) -> i64 {
    interop_support::millis_since_epoch(time)
}

fn array(value: &Value) -> Vec<Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn object(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

fn id_correspondence_is_one_to_one() {
    let mut ids = IdCorrespondence::default();
    assert!(ids.matches("a", "x"));
    assert!(ids.matches("a", "x"));
    assert!(!ids.matches("a", "y"), "one of ours maps to one of theirs");
    assert!(!ids.matches("b", "x"), "one of theirs maps to one of ours");
    assert!(!ids.matches("", "x"));
    assert!(ids.matches("", ""));
}

fn id_cookie_decodes() {
    let cookie = "InNpZC0xIg%3D%3D.9yINvMudmodbTceHsv4M2VIEEL%2BphDXlh6CV%2BvESpP0";
    assert_eq!(decode_id(cookie).as_deref(), Some("sid-1"));
    assert_eq!(decode_id("InNpZC0xIg%3D%3D").as_deref(), Some("sid-1"));
    assert_eq!(decode_id("").as_deref(), None);
}
