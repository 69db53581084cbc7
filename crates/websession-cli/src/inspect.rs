//! The `decode` and `verify` commands: human and JSON renderings of a [`Report`].

use serde_json::json;
use websession::json::MAX_DEPTH;

use crate::input::Source;
use crate::output::{paint, printable, BAD, CAUTION, GOOD, LABEL};
use crate::report::{Report, Status};

/// Width of the label column in human output.
const LABEL_WIDTH: usize = 11;

/// Returns the `decode` output: several labelled lines, or one line of JSON.
pub fn decode_text(report: &Report, as_json: bool) -> String {
    if as_json {
        return format!("{}\n", printable(&report.to_json().to_string()));
    }

    let mut out = String::new();
    let name = match report.found.name.as_deref() {
        None => "(not given)",
        Some("") => "(none: no cookie name could be read before the first '=')",
        Some(name) => name,
    };
    push_line(&mut out, "cookie", &printable(name));
    push_line(&mut out, "source", source_text(report.found.source));
    if report.found.ignored_duplicates > 0 {
        push_line(
            &mut out,
            "note",
            &paint(CAUTION, &duplicates_text(report.found.ignored_duplicates)),
        );
    }
    if report.is_longer_than_browsers_send() {
        let text = match report.found.name {
            Some(_) => format!(
                "the name and value take {} bytes, more than the 4096 that browsers keep, so \
                 no browser sends this cookie, and websession's cookie storage reads it as a \
                 new, empty session",
                report.name_value_bytes()
            ),
            None => format!(
                "the value alone takes {} bytes, so with any name the name and value take more \
                 than the 4096 that browsers keep. No browser sends this cookie, and \
                 websession's cookie storage reads it as a new, empty session",
                report.found.raw_value.len()
            ),
        };
        push_line(&mut out, "note", &paint(CAUTION, &text));
    }
    if report.found.source == Source::SetCookie {
        let attributes: Vec<String> = report
            .found
            .attributes
            .iter()
            .map(|attribute| match &attribute.value {
                Some(value) => format!("{}={value}", attribute.name),
                None => attribute.name.clone(),
            })
            .collect();
        let text = if attributes.is_empty() {
            "none".to_owned()
        } else {
            attributes.join("; ")
        };
        push_line(&mut out, "attributes", &printable(&text));
    }
    push_line(&mut out, "signature", &signature_text(report));

    if report.status == Status::Empty {
        push_line(
            &mut out,
            "data",
            "none: the value is empty (a deleted cookie or an empty session)",
        );
        return out;
    }
    push_line(&mut out, "data", &data_label(report));
    match &report.data {
        Some(data) => {
            let pretty = serde_json::to_string_pretty(data).unwrap_or_else(|_| data.to_string());
            out.push_str(&printable(&pretty));
            out.push('\n');
        }
        None => {
            out.push_str(&undecoded_text(report));
            out.push('\n');
        }
    }
    if report.is_session_id() {
        push_line(
            &mut out,
            "kind",
            "session id: the session data lives in a server-side store, not in the cookie",
        );
    }
    if let Some(reason) = report.empty_session_reason() {
        push_line(
            &mut out,
            "kind",
            &paint(CAUTION, &format!("not session data: {reason}")),
        );
    }

    let flash = report.flash_names();
    if !flash.is_empty() {
        let text = format!(
            "{} (each removed when the server reads it)",
            flash.join(", ")
        );
        push_line(&mut out, "flash", &text);
    }
    out
}

/// Returns the note for a `Cookie` header that repeats the cookie's name `count` more times.
fn duplicates_text(count: usize) -> String {
    let cookies = if count == 1 { "cookie" } else { "cookies" };
    format!(
        "the header has {count} more {cookies} of this name after this one, which websession, \
         Remix and React Router ignore because they read the first. Browsers send one cookie \
         for each Path and Domain that set it, so an old cookie with another Path or Domain \
         may still be in the browser"
    )
}

/// Returns the one line that `verify` prints.
pub fn verify_text(report: &Report, as_json: bool) -> String {
    if as_json {
        let json = report.to_json();
        let summary = json!({
            "name": json["name"],
            "source": json["source"],
            "status": json["status"],
            "verified": json["verified"],
            "secret_number": json["secret_number"],
            "signing_secret": json["signing_secret"],
            "secrets_given": json["secrets_given"],
            "ignored_duplicates": json["ignored_duplicates"],
        });
        return format!("{}\n", printable(&summary.to_string()));
    }

    let cookie = match report.found.name.as_deref() {
        Some("") => "the cookie without a name".to_owned(),
        Some(name) => format!("cookie {name:?}"),
        None => "the cookie value".to_owned(),
    };
    let cookie = printable(&cookie);
    let line = match &report.status {
        Status::Verified { number, origin } => format!(
            "{} {cookie} verifies with secret {number} of {} ({origin}), {}",
            paint(GOOD, "verified:"),
            report.secret_count,
            secret_role(*number),
        ),
        Status::Invalid => format!(
            "{} {cookie} does not verify with {}",
            paint(BAD, "not valid:"),
            any_of_secrets(report.secret_count),
        ),
        Status::Unsigned => format!("{} {cookie} is unsigned", paint(BAD, "not valid:")),
        Status::Empty => format!("{} {cookie} is empty", paint(BAD, "not valid:")),
        Status::Unchecked => format!(
            "{} {cookie} was not checked: no secrets given",
            paint(BAD, "not valid:")
        ),
    };
    let count = report.found.ignored_duplicates;
    if count == 0 {
        return format!("{line}\n");
    }
    let cookies = if count == 1 { "cookie" } else { "cookies" };
    format!(
        "{line}; the header has {count} more {cookies} of this name after it, which websession, \
         Remix and React Router ignore (decode tells more)\n"
    )
}

/// Appends one labelled line. `text` may carry colour codes, so it must already be safe for
/// a terminal (see [`printable`]).
fn push_line(out: &mut String, label: &str, text: &str) {
    let padded = format!("{label:<LABEL_WIDTH$}");
    out.push_str(&paint(LABEL, &padded));
    out.push(' ');
    out.push_str(text);
    out.push('\n');
}

fn source_text(source: Source) -> &'static str {
    match source {
        Source::CookieHeader => "Cookie header",
        Source::SetCookie => "Set-Cookie header",
        Source::Value => "bare value",
    }
}

fn signature_text(report: &Report) -> String {
    let count = report.secret_count;
    match &report.status {
        Status::Empty => "none (empty value)".to_owned(),
        Status::Unsigned if count == 0 => "none: the cookie is unsigned".to_owned(),
        Status::Unsigned => paint(
            BAD,
            &format!(
                "none: the cookie is unsigned, so it is not valid with {}",
                secrets_given(count)
            ),
        ),
        Status::Unchecked => paint(
            CAUTION,
            "present but not checked: no secrets given (pass --secret-env or --secret-file)",
        ),
        Status::Verified { number, origin } => paint(
            GOOD,
            &format!(
                "verified by secret {number} of {count} ({origin}), {}",
                secret_role(*number)
            ),
        ),
        Status::Invalid => paint(BAD, &format!("not valid with {}", any_of_secrets(count))),
    }
}

fn data_label(report: &Report) -> String {
    match &report.status {
        Status::Verified { .. } => paint(GOOD, "verified"),
        Status::Unchecked => paint(
            CAUTION,
            "UNVERIFIED: no secrets given, so anyone could have written it",
        ),
        Status::Unsigned if report.secret_count == 0 => paint(
            CAUTION,
            "UNVERIFIED: the cookie is unsigned, so anyone could have written it",
        ),
        Status::Unsigned | Status::Invalid => paint(
            BAD,
            "NOT VALID: a server with these secrets ignores this cookie",
        ),
        Status::Empty => String::new(),
    }
}

fn secret_role(number: usize) -> &'static str {
    if number == 1 {
        "the signing secret"
    } else {
        "an older secret, so the next commit signs it again with secret 1"
    }
}

/// Returns the text printed in place of the data when the payload has none that websession
/// reads.
fn undecoded_text(report: &Report) -> String {
    // The JavaScript libraries also read a payload that is not base64 of JSON as an empty
    // object, but JSON.parse has its own nesting limit, which may differ from websession's.
    let (reason, reader) = match report.too_deep_levels {
        Some(levels) => (
            format!(
                "the payload is base64 of JSON text nested {levels} levels deep, more than the \
                 {MAX_DEPTH} levels of arrays and objects that websession reads"
            ),
            "a websession server",
        ),
        None => (
            "the payload is not base64 of JSON text".to_owned(),
            "a server",
        ),
    };
    if report.is_verified() {
        format!("{reason}, so {reader} reads it as an empty object")
    } else {
        reason
    }
}

/// Returns "the secret given" or "the 3 secrets given".
fn secrets_given(count: usize) -> String {
    if count == 1 {
        "the secret given".to_owned()
    } else {
        format!("the {count} secrets given")
    }
}

/// Returns "the secret given" or "any of the 3 secrets given".
fn any_of_secrets(count: usize) -> String {
    if count == 1 {
        "the secret given".to_owned()
    } else {
        format!("any of the {count} secrets given")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FoundCookie;

    fn report(status: Status, too_deep_levels: Option<usize>) -> Report {
        Report {
            found: FoundCookie {
                source: Source::CookieHeader,
                name: Some("s".to_owned()),
                raw_value: String::new(),
                attributes: Vec::new(),
                ignored_duplicates: 0,
            },
            value: String::new(),
            status,
            secret_count: 1,
            data: None,
            too_deep_levels,
        }
    }

    #[test]
    fn verified_too_deep_read_as_empty() {
        let verified = Status::Verified {
            number: 1,
            origin: "test".to_owned(),
        };
        assert_eq!(
            undecoded_text(&report(verified.clone(), Some(200))),
            "the payload is base64 of JSON text nested 200 levels deep, more than the 127 \
             levels of arrays and objects that websession reads, so a websession server reads \
             it as an empty object"
        );
        assert_eq!(
            undecoded_text(&report(verified, None)),
            "the payload is not base64 of JSON text, so a server reads it as an empty object"
        );
        assert_eq!(
            undecoded_text(&report(Status::Invalid, None)),
            "the payload is not base64 of JSON text"
        );
    }

    #[test]
    fn secret_phrases_singular_and_plural() {
        assert_eq!(secrets_given(1), "the secret given");
        assert_eq!(secrets_given(3), "the 3 secrets given");
        assert_eq!(any_of_secrets(1), "the secret given");
        assert_eq!(any_of_secrets(2), "any of the 2 secrets given");
    }
}
