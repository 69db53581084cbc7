//! The `decode` and `verify` commands: human and JSON renderings of a [`Report`].

use serde_json::json;

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
    let name = report.found.name.as_deref().unwrap_or("(not given)");
    push_line(&mut out, "cookie", &printable(name));
    push_line(&mut out, "source", source_text(report.found.source));
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
        None if report.is_verified() => out.push_str(
            "the payload is not base64 of JSON text, so a server reads it as an empty object\n",
        ),
        None => out.push_str("the payload is not base64 of JSON text\n"),
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
        });
        return format!("{}\n", printable(&summary.to_string()));
    }

    let cookie = match &report.found.name {
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
            "{} {cookie} does not verify with any of the {} given",
            paint(BAD, "not valid:"),
            secrets_phrase(report.secret_count),
        ),
        Status::Unsigned => format!("{} {cookie} is unsigned", paint(BAD, "not valid:")),
        Status::Empty => format!("{} {cookie} is empty", paint(BAD, "not valid:")),
        Status::Unchecked => format!(
            "{} {cookie} was not checked: no secrets given",
            paint(BAD, "not valid:")
        ),
    };
    format!("{line}\n")
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
                "none: the cookie is unsigned, so it is not valid with the {} given",
                secrets_phrase(count)
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
        Status::Invalid => paint(
            BAD,
            &format!("not valid with any of the {} given", secrets_phrase(count)),
        ),
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

fn secrets_phrase(count: usize) -> String {
    if count == 1 {
        "1 secret".to_owned()
    } else {
        format!("{count} secrets")
    }
}
