//! Helpers shared by the fuzz targets in `fuzz_targets/`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use websession::{Cookie, PayloadEncoding};

/// The signing secret of the signed cookies below.
pub const CURRENT_SECRET: &str = "fuzz-current-secret";
/// A second, older secret that still verifies.
pub const OLDER_SECRET: &str = "fuzz-older-secret";

/// Polls `future` once and returns its output.
///
/// The cookie storage's futures never wait on anything, so one poll must complete them. A
/// pending future here is a bug in the storage, so the target panics to report it.
pub fn complete<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a cookie storage future returned Pending"),
    }
}

/// Returns the cookies every target reads with: signed and unsigned, in both payload
/// encodings, under names that include `%`-escapes and the `__Host-` prefix.
pub fn reading_cookies() -> Vec<Cookie> {
    let signed = |name: &str| {
        Cookie::builder(name)
            .secrets([CURRENT_SECRET, OLDER_SECRET])
            .build()
            .expect("fixed fuzz cookie configuration is valid")
    };
    let unsigned = |name: &str, encoding| {
        Cookie::builder(name)
            .payload_encoding(encoding)
            .build()
            .expect("fixed fuzz cookie configuration is valid")
    };
    vec![
        signed("s"),
        signed("__session"),
        unsigned("s", PayloadEncoding::Utf8),
        unsigned("s", PayloadEncoding::Latin1),
        unsigned("%73", PayloadEncoding::Utf8),
        Cookie::builder("__Host-s")
            .secure(true)
            .secrets([CURRENT_SECRET])
            .build()
            .expect("fixed fuzz cookie configuration is valid"),
    ]
}
