//! One `tracing` line per request.

use std::borrow::Cow;
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Maximum length in bytes of a path written to the log in full. A client chooses the path,
/// so without a bound it would choose how much each request writes to the log (hyper accepts
/// paths of many kilobytes).
const MAX_LOGGED_PATH: usize = 256;

/// Maximum length in bytes of a method written to the log in full. Standard methods have at
/// most 7 letters.
const MAX_LOGGED_METHOD: usize = 16;

/// Logs the method, path, status and duration of each request at info level. The query
/// string is left out, because it may carry data the visitor typed. A long path or method is
/// cut, and the line records its full length.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = shortened(request.method().as_str(), MAX_LOGGED_METHOD).into_owned();
    let path = shortened(request.uri().path(), MAX_LOGGED_PATH).into_owned();
    let started = Instant::now();

    let response = next.run(request).await;

    tracing::info!(
        method,
        path,
        status = response.status().as_u16(),
        elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// Returns `text` unchanged when it has at most `max` bytes, else its first `max` bytes (cut
/// back to a character boundary) followed by how many bytes it had in all.
fn shortened(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}… ({} bytes in all)", &text[..end], text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept() {
        assert_eq!(shortened("/session", 8), "/session");
    }

    #[test]
    fn long_text_is_cut_with_length() {
        let path = format!("/{}", "a".repeat(60_000));
        assert_eq!(shortened(&path, 4), "/aaa… (60001 bytes in all)");
    }

    #[test]
    fn cut_keeps_whole_characters() {
        assert_eq!(shortened("/é", 2), "/… (3 bytes in all)");
    }
}
