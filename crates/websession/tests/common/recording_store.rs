//! A store that logs every call, with deterministic ids `sid-1`, `sid-2`, …, like the test
//! strategy that recorded the JavaScript `createSessionStorage` vectors.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;
use serde_json::{json, Map, Value};
use websession::{SessionStore, StoreError};

/// One call, in the shape of the vectors' `expected.calls` entries.
pub type Call = Value;

#[derive(Debug, Clone, Default)]
pub struct RecordingStore {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    records: BTreeMap<String, Map<String, Value>>,
    calls: Vec<Call>,
    created: u32,
}

impl RecordingStore {
    pub fn new() -> RecordingStore {
        RecordingStore::default()
    }

    /// Adds a record without logging a call.
    pub fn preload(&self, id: &str, data: Map<String, Value>) {
        self.state
            .lock()
            .unwrap()
            .records
            .insert(id.to_owned(), data);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.state.lock().unwrap().records.contains_key(id)
    }
}

/// Returns an expiry in the vectors' form: `null` or `{"$date": ms}`.
pub fn js_expires(expires: Option<SystemTime>) -> Value {
    match expires {
        None => Value::Null,
        Some(time) => {
            let millis = match time.duration_since(SystemTime::UNIX_EPOCH) {
                Ok(after) => after.as_millis() as i64,
                Err(before) => -(before.duration().as_millis() as i64),
            };
            json!({ "$date": millis })
        }
    }
}

#[async_trait]
impl SessionStore for RecordingStore {
    async fn create(
        &self,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<String, StoreError> {
        let mut state = self.state.lock().unwrap();
        state.created += 1;
        let id = format!("sid-{}", state.created);
        state.records.insert(id.clone(), data.clone());
        state.calls.push(json!({
            "fn": "createData",
            "data": data,
            "expires": js_expires(expires),
            "returned": id,
        }));
        Ok(id)
    }

    async fn read(&self, id: &str) -> Result<Option<Map<String, Value>>, StoreError> {
        let mut state = self.state.lock().unwrap();
        let found = state.records.get(id).cloned();
        let returned = found.clone().map(Value::Object).unwrap_or(Value::Null);
        state
            .calls
            .push(json!({ "fn": "readData", "id": id, "returned": returned }));
        Ok(found)
    }

    async fn update(
        &self,
        id: &str,
        data: &Map<String, Value>,
        expires: Option<SystemTime>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(json!({
            "fn": "updateData",
            "id": id,
            "data": data,
            "expires": js_expires(expires),
        }));
        match state.records.get_mut(id) {
            Some(record) => {
                *record = data.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let mut state = self.state.lock().unwrap();
        state.records.remove(id);
        state.calls.push(json!({ "fn": "deleteData", "id": id }));
        Ok(())
    }
}
