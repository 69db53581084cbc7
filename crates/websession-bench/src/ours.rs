//! `websession`'s cookie session storage, set up as the benchmarks use it.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};

use serde_json::{Map, Value};
use websession::{Cookie, CookieOptions, CookieSessionStorage, Session, SessionStorage};

use crate::Fixture;

/// `websession`'s [`CookieSessionStorage`] with the fixture's secret and the attributes of the
/// JavaScript anchor: `Path=/`, `HttpOnly`, `Secure`, `SameSite=Lax`.
///
/// # Examples
///
/// ```
/// use websession_bench::{Fixture, Ours};
///
/// let fixture = Fixture::load();
/// let ours = Ours::new(&fixture);
/// let header = fixture.request_header(&ours.commit_data(fixture.payload("small")));
/// let mut session = ours.get(&header);
/// assert_eq!(session.get("role"), Some("admin".into()));
/// ```
#[derive(Debug, Clone)]
pub struct Ours {
    storage: CookieSessionStorage,
    no_overrides: CookieOptions,
}

impl Ours {
    /// Creates the storage.
    ///
    /// # Panics
    ///
    /// When the fixture's secret is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let ours = websession_bench::Ours::new(&websession_bench::Fixture::load());
    /// assert!(ours.get("a=1").data().is_empty());
    /// ```
    pub fn new(fixture: &Fixture) -> Self {
        let cookie = Cookie::builder(fixture.cookie_name.clone())
            .secrets(&fixture.secrets)
            .http_only(true)
            .secure(true)
            .build()
            .expect("the fixture's secrets are not empty");
        Self {
            storage: CookieSessionStorage::new(cookie),
            no_overrides: CookieOptions::default(),
        }
    }

    /// Loads the session from a `Cookie` request header.
    ///
    /// # Examples
    ///
    /// ```
    /// let ours = websession_bench::Ours::new(&websession_bench::Fixture::load());
    /// assert!(!ours.get("__session=tampered").is_changed());
    /// ```
    pub fn get(&self, header: &str) -> Session {
        block_on(self.storage.get_session(Some(header))).expect("cookie storage reads never fail")
    }

    /// Writes the `Set-Cookie` value for `session` and marks it saved.
    ///
    /// # Panics
    ///
    /// When the cookie would exceed the browser limit of 4096 characters.
    ///
    /// # Examples
    ///
    /// ```
    /// let ours = websession_bench::Ours::new(&websession_bench::Fixture::load());
    /// let mut session = websession::Session::new();
    /// assert!(ours.commit(&mut session).starts_with("__session=e30%3D."));
    /// ```
    pub fn commit(&self, session: &mut Session) -> String {
        block_on(self.storage.commit_session(session, &self.no_overrides))
            .expect("benchmark payloads fit in a cookie")
    }

    /// Writes the `Set-Cookie` value for a new session holding `data`.
    ///
    /// # Examples
    ///
    /// ```
    /// let fixture = websession_bench::Fixture::load();
    /// let ours = websession_bench::Ours::new(&fixture);
    /// assert!(ours.commit_data(fixture.payload("large")).len() > 3000);
    /// ```
    pub fn commit_data(&self, data: &Map<String, Value>) -> String {
        let mut session = Session::new();
        for (key, value) in data {
            session.set(key.clone(), value.clone());
        }
        self.commit(&mut session)
    }
}

/// Runs a future that completes without waiting for I/O, such as the cookie storage's, on the
/// current thread.
///
/// # Panics
///
/// When the future is not ready at the first poll.
///
/// # Examples
///
/// ```
/// assert_eq!(websession_bench::block_on(async { 7 }), 7);
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct NoopWake;
    impl Wake for NoopWake {
        fn wake(self: Arc<Self>) {}
    }

    // One waker for all calls, so that the timing does not include an allocation.
    static WAKER: OnceLock<Waker> = OnceLock::new();
    let waker = WAKER.get_or_init(|| Waker::from(Arc::new(NoopWake)));
    let mut context = Context::from_waker(waker);
    match pin!(future).poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("block_on runs only futures that are ready at the first poll"),
    }
}
