//! The store conformance scenarios run against [`MemoryStore`] and [`FileStore`]; the Redis
//! run is in `storage_redis.rs`, which needs the `redis` feature.

mod common;

use std::any::Any;
use std::sync::Arc;

use common::conformance::{conformance_suite, start};
use common::TempDir;
use websession::{FileStore, ManualClock, MemoryStore};

mod memory {
    use super::*;

    async fn make_store() -> (MemoryStore, ManualClock, Box<dyn Any>) {
        let clock = ManualClock::new(start());
        let store = MemoryStore::new().with_clock(Arc::new(clock.clone()));
        (store, clock, Box::new(()))
    }

    conformance_suite!(make_store);
}

mod file {
    use super::*;

    async fn make_store() -> (FileStore, ManualClock, Box<dyn Any>) {
        let clock = ManualClock::new(start());
        let directory = TempDir::new("conformance");
        let store = FileStore::new(directory.path())
            .unwrap()
            .with_clock(Arc::new(clock.clone()));
        (store, clock, Box::new(directory))
    }

    conformance_suite!(make_store);
}
