//! How decode and verify read the cookie input: one header line, the choice between a
//! Cookie header, a Set-Cookie header and a bare value, and headers with many cookies.

mod support;

use support::{args, assert_usage_error, run, Run};

/// A cookie signed with the secret "s3cr3t", as Remix 2 writes it.
const SIGNED: &str =
    "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

fn secret_env() -> Vec<(String, String)> {
    vec![("WS_TEST_SECRETS".to_owned(), "s3cr3t".to_owned())]
}

/// Runs `verify` with the secret of [`SIGNED`], the extra arguments and the cookie on
/// standard input.
fn verify_stdin(extra: &[&str], stdin: &str) -> Run {
    let mut arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS"]);
    arguments.extend(args(extra));
    run(&arguments, Some(stdin), &secret_env())
}

#[test]
fn trailing_line_break_accepted() {
    for stdin in [
        format!("{SIGNED}\n"),
        format!("{SIGNED}\r\n"),
        format!("Cookie: {SIGNED}\r\n"),
        format!("\n  {SIGNED} \n\n"),
    ] {
        let result = verify_stdin(&[], &stdin);
        assert_eq!(result.status, 0, "{stdin:?}: {result:?}");
    }
}

#[test]
fn second_header_line_rejected() {
    let stdin = format!("Cookie: {SIGNED}\nX-Other: 1\n");
    let position = format!("at character {}", "Cookie: ".len() + SIGNED.len() + 1);
    let result = verify_stdin(&[], &stdin);
    assert_usage_error(
        &result,
        &[
            "the cookie input has a line feed (U+000A)",
            &position,
            "pass one header line",
        ],
    );
}

#[test]
fn two_set_cookie_lines_rejected() {
    let stdin = format!("Set-Cookie: {SIGNED}; Path=/\r\nSet-Cookie: theme=dark; Path=/\r\n");
    let position = format!(
        "at character {}",
        "Set-Cookie: ".len() + SIGNED.len() + "; Path=/".len() + 1
    );
    let result = verify_stdin(&[], &stdin);
    assert_usage_error(
        &result,
        &[
            "a carriage return (U+000D)",
            &position,
            "pass one header line",
        ],
    );
}

#[test]
fn nul_after_value_rejected() {
    let stdin = format!("{SIGNED}\0junk");
    let position = format!("at character {}", SIGNED.len() + 1);
    let result = verify_stdin(&[], &stdin);
    assert_usage_error(&result, &["a NUL character (U+0000)", &position]);

    let value = SIGNED.trim_start_matches("__session=");
    let result = verify_stdin(&["--input-type", "value"], &format!("{value}\0junk"));
    assert_usage_error(&result, &["a NUL character (U+0000)"]);
}

#[test]
fn control_character_in_argument_rejected() {
    // The position counts the leading whitespace that is otherwise ignored.
    let cookie = format!("  theme=dark;\u{1b}[2J {SIGNED}");
    let arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS", &cookie]);
    let result = run(&arguments, None, &secret_env());
    assert_usage_error(&result, &["the control character U+001B at character 14"]);
}

#[test]
fn tab_between_cookies_accepted() {
    let result = verify_stdin(&["--name", "__session"], &format!("theme=dark;\t{SIGNED}"));
    assert_eq!(result.status, 0, "{result:?}");
}

#[test]
fn named_cookie_before_attribute_names_found() {
    for header in [
        format!("theme=dark; {SIGNED}; secure=1"),
        format!("theme=dark; path=/app; {SIGNED}"),
        format!("Max-Age=5; {SIGNED}; HttpOnly"),
    ] {
        let arguments = args(&[
            "decode",
            "--json",
            "--secret-env",
            "WS_TEST_SECRETS",
            "--name",
            "__session",
            &header,
        ]);
        let result = run(&arguments, None, &secret_env());
        assert_eq!(result.status, 0, "{header}: {result:?}");
        assert_eq!(result.json()["source"], "cookie-header", "{header}");
        assert_eq!(result.json()["verified"], true, "{header}");
    }
}

#[test]
fn cookie_header_with_attribute_names_needs_name() {
    let header = format!("theme=dark; {SIGNED}; secure=1");
    let result = run(&args(&["decode", &header]), None, &[]);
    assert_usage_error(
        &result,
        &[
            "the Cookie header carries 3 cookies",
            "theme, __session, secure",
        ],
    );
}

#[test]
fn unknown_attribute_after_path_stays_set_cookie() {
    let set_cookie = format!("{SIGNED}; Path=/; Comment=hello; Version=1");
    let result = run(&args(&["decode", "--json", &set_cookie]), None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(result.json()["source"], "set-cookie");
}

#[test]
fn named_first_pair_stays_set_cookie() {
    let set_cookie = format!("{SIGNED}; Path=/; HttpOnly");
    let arguments = args(&["decode", "--json", "--name", "__session", &set_cookie]);
    let result = run(&arguments, None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(result.json()["source"], "set-cookie");
}

#[test]
fn set_cookie_not_found_suggests_cookie_type() {
    let header = format!("Set-Cookie: theme=dark; {SIGNED}; Path=/");
    let result = verify_stdin(&["--name", "__session"], &header);
    assert_usage_error(
        &result,
        &[
            "cookie \"__session\" is not in the Set-Cookie header, which sets theme",
            "pass --input-type cookie if the input is a Cookie header",
        ],
    );

    let result = verify_stdin(&["--name", "__session", "--input-type", "cookie"], &header);
    assert_eq!(result.status, 0, "{result:?}");
}

#[test]
fn set_cookie_without_name_says_check_name() {
    let result = verify_stdin(&["--name", "sid"], &format!("{SIGNED}; Path=/"));
    assert_usage_error(
        &result,
        &["cookie \"sid\" is not in the Set-Cookie header, which sets __session: check --name"],
    );
    assert!(!result.stderr.contains("--input-type"), "{result:?}");
}

#[test]
fn named_bare_value_suggests_value_type() {
    let encoded = SIGNED.trim_start_matches("__session=");
    let unencoded = "eyJ1c2VyIjoiYWxpY2UifQ==.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS+f0tjIJPiXU";
    for value in [encoded, unencoded] {
        let result = verify_stdin(&["--name", "__session"], value);
        assert_usage_error(
            &result,
            &[
                "cookie \"__session\" is not in the",
                "pass --input-type value if the input is the cookie value alone",
            ],
        );
        assert!(!result.stderr.contains("no cookies"), "{result:?}");

        let arguments = ["--name", "__session", "--input-type", "value"];
        let result = verify_stdin(&arguments, value);
        assert_eq!(result.status, 0, "{result:?}");
    }
}

#[test]
fn cookie_header_not_found_lists_names() {
    let result = verify_stdin(&["--name", "sid"], &format!("theme=dark; {SIGNED}"));
    assert_usage_error(
        &result,
        &["cookie \"sid\" is not in the Cookie header, which has theme, __session: check --name"],
    );
}

#[test]
fn input_type_help_describes_detection() {
    let result = run(&args(&["decode", "--help"]), None, &[]);
    let help = result
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for phrase in [
        "auto follows a leading Cookie: or Set-Cookie: header name",
        "a bare value when --name is not given",
        "follows the first pair before any other name=value pair",
        "--name names none of the later pairs",
    ] {
        assert!(
            help.contains(phrase),
            "decode --help lacks {phrase:?}: {help}"
        );
    }
}

/// Returns a Cookie header with the pair `a=b` and then `c1=v` to `c<count>=v`.
fn many_cookies(count: usize) -> String {
    let mut header = "a=b".to_owned();
    for number in 1..=count {
        header.push_str(&format!("; c{number}=v"));
    }
    header
}

#[test]
fn many_cookies_found_by_name() {
    // A header of this size took tens of seconds in a debug build while each name was
    // compared with every earlier one. The test suite's run time shows such a regression.
    let header = many_cookies(100_000);
    let result = run(
        &args(&["decode", "--json", "--name", "c5"]),
        Some(&header),
        &[],
    );
    assert_eq!(result.status, 0, "{}", result.stderr);
    assert_eq!(result.json()["value"], "v");

    let result = run(&args(&["decode", "--name", "x"]), Some(&header), &[]);
    assert_eq!(result.status, 2, "{}", result.stderr);
}

#[test]
fn many_cookies_error_lists_ten_names() {
    let header = many_cookies(60_000);
    let listed = "a, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 59991 more";

    let result = run(&args(&["decode"]), Some(&header), &[]);
    assert_usage_error(
        &result,
        &[&format!(
            "the Cookie header carries 60001 cookies ({listed})"
        )],
    );
    assert!(result.stderr.len() < 200, "{} bytes", result.stderr.len());

    let result = run(&args(&["decode", "--name", "x"]), Some(&header), &[]);
    assert_usage_error(&result, &[&format!("which has {listed}: check --name")]);
    assert!(result.stderr.len() < 200, "{} bytes", result.stderr.len());
}

#[test]
fn ten_cookie_names_listed_in_full() {
    let names: Vec<String> = (0..10).map(|number| format!("c{number}")).collect();
    let header = names
        .iter()
        .map(|name| format!("{name}=v"))
        .collect::<Vec<_>>()
        .join("; ");
    let result = run(&args(&["decode"]), Some(&header), &[]);
    assert_usage_error(
        &result,
        &[&format!(
            "the Cookie header carries 10 cookies ({})",
            names.join(", ")
        )],
    );
    assert!(!result.stderr.contains("more"), "{result:?}");
}

#[test]
fn long_cookie_name_shortened_in_list() {
    let long_name = "n".repeat(1000);
    let header = format!("{long_name}=1; b=2");
    let result = run(&args(&["decode"]), Some(&header), &[]);
    assert_usage_error(&result, &[&format!("({}..., b)", "n".repeat(60))]);
}
