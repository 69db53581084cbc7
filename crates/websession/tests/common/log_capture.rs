//! Captures the log lines that a test writes on its own thread.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

/// The log lines written on one test's thread, at every level.
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static THREAD_LOG: RefCell<Option<CapturedLog>> = const { RefCell::new(None) };
}

/// Writes to the log of the test on the current thread, if it captures one.
struct ThreadLogWriter;

impl Write for ThreadLogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        THREAD_LOG.with(|log| {
            if let Some(log) = &*log.borrow() {
                log.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLog {
    /// Starts capturing every log line written on this thread.
    ///
    /// One global subscriber serves all tests of a binary. A per-test subscriber
    /// (`set_default`) loses events when a test on another thread reaches a log call first,
    /// because tracing then caches that no subscriber is interested in it.
    pub fn capture_this_thread() -> CapturedLog {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| ThreadLogWriter)
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber");
        });
        let log = CapturedLog::default();
        THREAD_LOG.with(|slot| *slot.borrow_mut() = Some(log.clone()));
        log
    }

    /// Returns everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}
