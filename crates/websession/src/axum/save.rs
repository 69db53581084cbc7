//! Saving a request's session after its handler returned: commit, rotation, refresh or
//! destruction, as the handler left the session.

use std::sync::Arc;

use super::error::SessionError;
use super::service::CookieOptionsFn;
use super::set_cookie::SetSessionCookie;
use super::slot::{Loan, SessionSlot, SlotState};
use crate::storage::SessionStorage;
use crate::warn_limit::WarnLimit;
use crate::{CookieOptions, Session};

/// Outcome of the save of one request's session, by [`settle`] or [`store`].
pub(super) enum Saved {
    /// No handler extracted the session.
    Untouched,
    /// A handler extracted the session, so the response may depend on it; `set_cookie` is
    /// the header to send, if any.
    Read {
        set_cookie: Option<SetSessionCookie>,
    },
    /// A handler destroyed the session and set data in the new one, whose cookie has another
    /// `Path` or `Domain`, so the old cookie needs its own removal cookie.
    Replaced {
        removal: SetSessionCookie,
        set_cookie: SetSessionCookie,
    },
}

/// The layer's settings that saves follow.
#[derive(Clone)]
pub(super) struct SaveSettings {
    pub(super) rolling_expiry: bool,
    pub(super) cookie_options: Option<CookieOptionsFn>,
    pub(super) refresh_warnings: Arc<WarnLimit>,
}

impl SaveSettings {
    /// Returns the cookie options of a save: those the layer chooses for `session`, with the
    /// handler's own from `commit_with` taking precedence.
    fn options_for(&self, session: &Session, handler: Option<&CookieOptions>) -> CookieOptions {
        let chosen = match &self.cookie_options {
            Some(choose) => choose(session),
            None => CookieOptions::default(),
        };
        match handler {
            Some(handler) => chosen.merged(handler),
            None => chosen,
        }
    }
}

/// A save that needs the storage: the session as the handler left it.
pub(super) struct PendingSave {
    session: Session,
    destroyed: Option<Box<Session>>,
    handler_options: Option<Box<CookieOptions>>,
    rotate_id: bool,
    resign: bool,
    roll: bool,
}

/// The result of [`settle`]: the save's outcome, or a save that needs the storage.
pub(super) enum Settled {
    /// The outcome, reached without a storage call.
    Done(Saved),
    /// The save to run through the storage.
    Store(PendingSave),
}

/// Takes the request's session out of the slot and returns the outcome of its save when no
/// storage call is needed. That is the case when the handler did not extract the session, or
/// did not change, destroy or rotate it and the cookie needs no refresh. Otherwise returns
/// the save to run.
pub(super) fn settle(slot: &SessionSlot, settings: &SaveSettings) -> Settled {
    // `take_loaded` checks for a loaded session before it moves the state out, so that a
    // request that never loaded the session does not copy the state.
    let Some(SlotState {
        session,
        destroyed,
        cookie_options: handler_options,
        rotate_id,
    }) = slot.take_loaded()
    else {
        return Settled::Done(Saved::Untouched);
    };
    let cookie = slot.storage().cookie().name();

    let session = match session {
        // Not returned by `take_loaded`; matched for completeness.
        Loan::NotLoaded => return Settled::Done(Saved::Untouched),
        Loan::Returned(session) => session,
        Loan::Lent => {
            tracing::warn!(
                cookie,
                "session still held after the response was built, so its changes are not \
                 saved; drop ManagedSession before the handler returns"
            );
            return Settled::Done(Saved::Read { set_cookie: None });
        }
        Loan::Abandoned => {
            tracing::warn!(
                cookie,
                "the handler panicked while its ManagedSession was alive, so the session is not saved"
            );
            return Settled::Done(Saved::Read { set_cookie: None });
        }
    };

    // Rolling expiry leaves out empty sessions without an id, because extending them would
    // create a session for every visitor who has none.
    let resign = session.needs_resign();
    let roll = settings.rolling_expiry && !(session.is_empty() && session.id().is_empty());
    let stored = destroyed.is_some()
        || rotate_id
        || session.is_changed()
        || handler_options.is_some()
        || resign
        || roll;
    if !stored {
        return Settled::Done(Saved::Read { set_cookie: None });
    }
    Settled::Store(PendingSave {
        session,
        destroyed,
        handler_options,
        rotate_id,
        resign,
        roll,
    })
}

/// Commits, rotates, refreshes or destroys the session as [`settle`] left it.
pub(super) async fn store(
    storage: &dyn SessionStorage,
    pending: &mut PendingSave,
    settings: &SaveSettings,
) -> Result<Saved, SaveError> {
    // Borrowed, not moved, so that the future does not hold a second copy of the session.
    let PendingSave {
        session,
        destroyed,
        handler_options,
        rotate_id,
        resign,
        roll,
    } = pending;
    let (rotate_id, resign, roll) = (*rotate_id, *resign, *roll);
    let cookie = storage.cookie().name();
    let handler_options = handler_options.as_deref();

    if let Some(old) = destroyed.take() {
        // Boxed, so that its future does not enlarge the state of every save.
        return Box::pin(save_after_destroy(
            storage,
            *old,
            std::mem::take(session),
            settings,
            handler_options,
        ))
        .await;
    }

    // A rotation sends a cookie even for unchanged data, because the id in it is new. When
    // another request destroyed the session or rotated its id meanwhile, nothing is sent.
    if rotate_id {
        let options = settings.options_for(session, handler_options);
        let rotated = storage
            .try_rotate_id(session, &options)
            .await
            .map_err(failed("rotate id"))?;
        tracing::debug!(cookie, sent = rotated.is_some(), "session id rotated");
        return sent_if_any(rotated).map_err(failed("rotate id"));
    }

    // Every other save goes through `touch_session`, which commits a changed session and
    // only extends an unchanged one, so that a server-side storage does not overwrite a
    // change that another request made meanwhile. When another request destroyed the session
    // or rotated its id meanwhile, nothing is sent, so the cookie of that request stays.
    let changed = session.is_changed();
    if changed || handler_options.is_some() {
        let options = settings.options_for(session, handler_options);
        let saved = storage
            .touch_session(session, &options)
            .await
            .map_err(failed("commit"))?;
        tracing::debug!(cookie, changed, sent = saved.is_some(), "session saved");
        return sent_if_any(saved).map_err(failed("commit"));
    }
    // What is left is a refresh, because `settle` sends no other save here.
    debug_assert!(resign || roll);
    let options = settings.options_for(session, handler_options);
    let warnings = &settings.refresh_warnings;
    let set_cookie = refresh(storage, session, &options, resign, warnings).await;
    Ok(Saved::Read { set_cookie })
}

/// Deletes the destroyed session `old` and commits `session`, the one that followed it, when
/// the handler set data in it.
async fn save_after_destroy(
    storage: &dyn SessionStorage,
    mut old: Session,
    mut session: Session,
    settings: &SaveSettings,
    handler_options: Option<&CookieOptions>,
) -> Result<Saved, SaveError> {
    let cookie = storage.cookie().name();

    // The removal cookie must carry the Path and Domain of the cookie it removes, which
    // was saved with the options chosen for the destroyed session.
    let removal_options = settings.options_for(&old, handler_options);
    let removal = storage
        .destroy_session(&mut old, &removal_options)
        .await
        .map_err(failed("destroy"))?;
    tracing::debug!(cookie, "session destroyed");

    // Only data set since the destroy makes the new session worth storing. It has no record
    // yet, so a rotation requested after the destroy is a plain commit.
    if !session.is_changed() {
        return sent(removal).map_err(failed("destroy"));
    }
    let removal = SetSessionCookie::new(removal).map_err(failed("destroy"))?;
    let options = settings.options_for(&session, handler_options);
    let value = match storage.commit_session(&mut session, &options).await {
        Ok(value) => value,
        Err(error) => {
            return Err(SaveError {
                removal: Some(removal),
                ..failed("commit after destroy")(error)
            })
        }
    };
    tracing::debug!(cookie, "new session committed after destroy");

    // With the same Path, Domain and partitioning, the new cookie replaces the old one in the
    // browser, so the removal cookie is not needed. With others, they are two cookies, and
    // the old one must be removed on its own.
    let own = storage.cookie().options();
    if is_same_cookie(&own.merged(&removal_options), &own.merged(&options)) {
        return sent(value).map_err(failed("commit after destroy"));
    }
    Ok(Saved::Replaced {
        removal,
        set_cookie: SetSessionCookie::new(value).map_err(failed("commit after destroy"))?,
    })
}

/// Returns `true` when cookies of one name written with `a` and with `b` are the same cookie
/// to a browser, which keeps one cookie per name, domain, path and partition.
fn is_same_cookie(a: &CookieOptions, b: &CookieOptions) -> bool {
    a.path == b.path
        && a.domain == b.domain
        && a.partitioned.unwrap_or(false) == b.partitioned.unwrap_or(false)
}

/// A failure of [`store`], with the step that failed for the log.
pub(super) struct SaveError {
    pub(super) step: &'static str,
    pub(super) error: SessionError,
    /// The removal cookie of a destroy that succeeded before a later step failed.
    pub(super) removal: Option<SetSessionCookie>,
}

/// Returns a function that wraps an error of `step` as a [`SaveError`], for `map_err`.
fn failed<E: Into<SessionError>>(step: &'static str) -> impl FnOnce(E) -> SaveError {
    move |error| SaveError {
        step,
        error: error.into(),
        removal: None,
    }
}

/// Re-signs or extends an unchanged session and returns the `Set-Cookie` value to send, if
/// any; the layer and [`LoadedSession`](super::LoadedSession) share it. The handler's response
/// does not depend on this: the cookie the browser has stays valid until its old expiry and
/// verifies while the older secret is listed. So a failure, such as a re-signed cookie that
/// grows past the size limit or a store that went down after the read, is logged, at most
/// once a minute per `warnings`, and the response goes out without `Set-Cookie`.
pub(super) async fn refresh(
    storage: &dyn SessionStorage,
    session: &mut Session,
    options: &CookieOptions,
    resign: bool,
    warnings: &WarnLimit,
) -> Option<SetSessionCookie> {
    let cookie = storage.cookie().name();
    let saved = storage
        .touch_session(session, options)
        .await
        .map_err(SessionError::from)
        .and_then(|value| value.map(SetSessionCookie::new).transpose());
    match saved {
        Ok(set_cookie) => {
            tracing::debug!(cookie, resign, "unchanged session saved again");
            set_cookie
        }
        Err(error) => {
            if let Some(held_back) = warnings.admit() {
                tracing::warn!(
                    error = %error,
                    cookie,
                    resign,
                    held_back,
                    "re-signing or extending an unchanged session failed; the response goes \
                     out without Set-Cookie and the browser keeps its cookie (at most one \
                     such warning a minute; held_back counts the others)"
                );
            }
            None
        }
    }
}

/// Wraps the `Set-Cookie` value a storage returned as the outcome of [`store`].
fn sent(value: String) -> Result<Saved, SessionError> {
    Ok(Saved::Read {
        set_cookie: Some(SetSessionCookie::new(value)?),
    })
}

/// Wraps the `Set-Cookie` value a storage returned, if any, as the outcome of [`store`].
fn sent_if_any(value: Option<String>) -> Result<Saved, SessionError> {
    match value {
        Some(value) => sent(value),
        None => Ok(Saved::Read { set_cookie: None }),
    }
}
