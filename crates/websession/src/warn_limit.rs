//! A rate limit for warnings that a client can cause again and again, such as a cookie that
//! names a file or key which is not a session record.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Shortest time between two warnings of one kind.
const INTERVAL: Duration = Duration::from_secs(60);

/// Lets one warning of a kind through per minute and counts the ones held back.
pub(crate) struct WarnLimit {
    state: Mutex<State>,
}

struct State {
    last: Option<Instant>,
    held_back: u64,
}

impl WarnLimit {
    pub(crate) const fn new() -> Self {
        Self {
            state: Mutex::new(State {
                last: None,
                held_back: 0,
            }),
        }
    }

    /// Returns `Some(n)` when a warning may be logged now, `n` being how many were held back
    /// since the last one, and `None` when this one is held back.
    pub(crate) fn admit(&self) -> Option<u64> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Option<u64> {
        // The state is two plain numbers, so a poisoned lock leaves nothing inconsistent.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let due = state
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= INTERVAL);
        if !due {
            state.held_back += 1;
            return None;
        }
        state.last = Some(now);
        Some(std::mem::take(&mut state.held_back))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_a_minute_with_count() {
        let limit = WarnLimit::new();
        let start = Instant::now();
        assert_eq!(limit.admit_at(start), Some(0));
        assert_eq!(limit.admit_at(start + Duration::from_secs(1)), None);
        assert_eq!(limit.admit_at(start + Duration::from_secs(59)), None);
        assert_eq!(limit.admit_at(start + Duration::from_secs(60)), Some(2));
        assert_eq!(limit.admit_at(start + Duration::from_secs(61)), None);
        assert_eq!(limit.admit_at(start + Duration::from_secs(200)), Some(1));
    }
}
