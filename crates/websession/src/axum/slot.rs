//! [`SessionSlot`], the per-request state that [`SessionService`](super::SessionService)
//! shares with [`ManagedSession`](super::ManagedSession) through the request extensions.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::cookie::CookieOptions;
use crate::session::Session;
use crate::storage::SessionStorage;

/// Shared handle on one request's session state; cloning it shares the same state.
#[derive(Clone)]
pub(crate) struct SessionSlot {
    storage: Arc<dyn SessionStorage>,
    state: Arc<Mutex<SlotState>>,
}

/// What the handler did with the session of one request.
///
/// The rarely used fields are boxed, which keeps the state that every request creates and
/// moves small.
#[derive(Default)]
pub(crate) struct SlotState {
    /// Where the session is: not loaded yet, lent to a handler, or back in the slot.
    pub(crate) session: Loan,
    /// The session that the handler destroyed, kept so the storage can delete its record.
    pub(crate) destroyed: Option<Box<Session>>,
    /// Cookie options the handler asked for; `Some` also forces a commit.
    pub(crate) cookie_options: Option<Box<CookieOptions>>,
    /// Whether the handler requested a fresh session id. A later destroy clears it.
    pub(crate) rotate_id: bool,
}

/// Where a request's session is.
#[derive(Default)]
pub(crate) enum Loan {
    /// No handler asked for the session, so it was never loaded.
    #[default]
    NotLoaded,
    /// A [`ManagedSession`](super::ManagedSession) holds it.
    Lent,
    /// The handler gave it back when its `ManagedSession` was dropped.
    Returned(Session),
    /// The handler panicked while its `ManagedSession` was alive, so the session may be half
    /// changed.
    Abandoned,
}

impl SessionSlot {
    pub(crate) fn new(storage: Arc<dyn SessionStorage>) -> Self {
        Self {
            storage,
            state: Arc::new(Mutex::new(SlotState::default())),
        }
    }

    /// Returns the storage itself, not the `Arc`, because a call through the `Arc`'s own
    /// `SessionStorage` impl would box one more future for each storage call.
    pub(crate) fn storage(&self) -> &dyn SessionStorage {
        self.storage.as_ref()
    }

    /// Locks the state. The lock is never held across an `await` and no code panics while
    /// holding it, so a poisoned lock still holds consistent state and is used as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the final state out of the slot once the handler has returned, or returns
    /// `None` when no handler loaded the session, so there is nothing to save.
    pub(crate) fn take_loaded(&self) -> Option<SlotState> {
        let mut state = self.lock();
        if matches!(state.session, Loan::NotLoaded) {
            return None;
        }
        Some(std::mem::take(&mut *state))
    }
}
