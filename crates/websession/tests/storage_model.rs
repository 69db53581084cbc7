//! [`MemoryStore`] and [`FileStore`] checked against a simple model: random sequences of
//! create, read, update, delete and clock steps must give the results the model gives.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::conformance::start;
use common::TempDir;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use websession::{FileStore, ManualClock, MemoryStore, SessionStore, DEFAULT_MAX_LIFETIME};

/// One step; `slot` picks one of the ids created so far, or an id never created.
#[derive(Debug, Clone)]
enum Step {
    Create {
        value: u8,
        lifetime: Option<u16>,
    },
    Read {
        slot: usize,
    },
    Update {
        slot: usize,
        value: u8,
        lifetime: Option<u16>,
    },
    Delete {
        slot: usize,
    },
    Advance {
        seconds: u16,
    },
}

fn step() -> impl Strategy<Value = Step> {
    // Lifetimes of 0 seconds are expired from the start.
    let lifetime = prop::option::of(0u16..120);
    prop_oneof![
        (any::<u8>(), lifetime.clone())
            .prop_map(|(value, lifetime)| Step::Create { value, lifetime }),
        (0usize..8).prop_map(|slot| Step::Read { slot }),
        (0usize..8, any::<u8>(), lifetime).prop_map(|(slot, value, lifetime)| Step::Update {
            slot,
            value,
            lifetime
        }),
        (0usize..8).prop_map(|slot| Step::Delete { slot }),
        (0u16..90).prop_map(|seconds| Step::Advance { seconds }),
    ]
}

/// The model: data and expiry by id.
#[derive(Default)]
struct Model {
    records: HashMap<String, (Map<String, Value>, SystemTime)>,
}

impl Model {
    fn live(&mut self, id: &str, now: SystemTime) -> Option<Map<String, Value>> {
        match self.records.get(id) {
            Some((data, expires)) if *expires > now => Some(data.clone()),
            _ => {
                self.records.remove(id);
                None
            }
        }
    }
}

fn data(value: u8) -> Map<String, Value> {
    json!({"value": value}).as_object().cloned().unwrap()
}

fn expiry(now: SystemTime, lifetime: Option<u16>) -> (Option<SystemTime>, SystemTime) {
    match lifetime {
        Some(seconds) => {
            let at = now + Duration::from_secs(seconds.into());
            (Some(at), at)
        }
        None => (None, now + DEFAULT_MAX_LIFETIME),
    }
}

async fn check_against_model<S: SessionStore>(store: S, clock: ManualClock, steps: Vec<Step>) {
    use websession::Clock as _;

    let mut model = Model::default();
    let mut ids = vec!["never-created".to_owned()];
    for (index, step) in steps.into_iter().enumerate() {
        let now = clock.now();
        let pick = |slot: usize| ids[slot % ids.len()].clone();
        match step {
            Step::Create { value, lifetime } => {
                let (expires, at) = expiry(now, lifetime);
                let id = store.create(&data(value), expires).await.unwrap();
                assert!(!ids.contains(&id), "step {index}: ids are fresh");
                model.records.insert(id.clone(), (data(value), at));
                ids.push(id);
            }
            Step::Read { slot } => {
                let id = pick(slot);
                let expected = model.live(&id, now);
                assert_eq!(store.read(&id).await.unwrap(), expected, "step {index}");
            }
            Step::Update {
                slot,
                value,
                lifetime,
            } => {
                let id = pick(slot);
                let (expires, at) = expiry(now, lifetime);
                let existed = model.live(&id, now).is_some();
                if existed {
                    model.records.insert(id.clone(), (data(value), at));
                }
                let updated = store.update(&id, &data(value), expires).await.unwrap();
                assert_eq!(updated, existed, "step {index}");
            }
            Step::Delete { slot } => {
                let id = pick(slot);
                model.records.remove(&id);
                store.delete(&id).await.unwrap();
            }
            Step::Advance { seconds } => clock.advance(Duration::from_secs(seconds.into())),
        }
    }
    let now = clock.now();
    for id in &ids {
        let expected = model.live(id, now);
        assert_eq!(store.read(id).await.unwrap(), expected, "final read");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn memory_store_matches_model(steps in prop::collection::vec(step(), 1..60)) {
        let clock = ManualClock::new(start());
        let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
        runtime().block_on(check_against_model(store, clock, steps));
    }

    #[test]
    fn file_store_matches_model(steps in prop::collection::vec(step(), 1..30)) {
        let directory = TempDir::new("model");
        let clock = ManualClock::new(start());
        let store = FileStore::new(directory.path())
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
        runtime().block_on(check_against_model(store, clock, steps));
    }
}
