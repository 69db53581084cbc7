//! Bad input gives exit status 2 and a one-line error that names the input and the fix,
//! never a panic or a backtrace.

mod support;

use support::{args, assert_usage_error, run, temp_path, Run};

/// A cookie signed with the secret "s3cr3t", as Remix 2 writes it.
const SIGNED: &str =
    "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

fn secret_env() -> Vec<(String, String)> {
    vec![("WS_TEST_SECRETS".to_owned(), "s3cr3t".to_owned())]
}

#[test]
fn text_without_cookie_rejected() {
    for command in ["decode", "verify"] {
        let mut arguments = args(&[command, "--secret-env", "WS_TEST_SECRETS"]);
        arguments.push("hello world".to_owned());
        let result = run(&arguments, None, &secret_env());
        assert_usage_error(
            &result,
            &["\"hello world\" is not a cookie", "give a Cookie header"],
        );
    }
}

#[test]
fn invalid_percent_encoding_rejected() {
    let header =
        "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";
    for command in ["decode", "verify"] {
        let arguments = args(&[command, "--secret-env", "WS_TEST_SECRETS", header]);
        let result = run(&arguments, None, &secret_env());
        assert_usage_error(
            &result,
            &[
                "cookie \"__session\" has invalid percent-encoding",
                "eyJ1c2VyIjoiYWxpY2UifQ%3D%3.",
                "copy the value again in full",
            ],
        );
    }
}

#[test]
fn invalid_json_for_sign_rejected() {
    let result = run(&args(&["sign", "{user: alice}"]), None, &[]);
    assert_usage_error(
        &result,
        &["invalid JSON data \"{user: alice}\"", "line 1 column 2"],
    );

    let result = run(&args(&["sign"]), Some("[1, 2"), &[]);
    assert_usage_error(
        &result,
        &["invalid JSON data \"[1, 2\"", "give one JSON value"],
    );
}

#[test]
fn missing_secret_file_rejected() {
    let path = temp_path("missing");
    let arguments = vec![
        "decode".to_owned(),
        "--secret-file".to_owned(),
        path.display().to_string(),
        SIGNED.to_owned(),
    ];
    let result = run(&arguments, None, &[]);
    assert_usage_error(
        &result,
        &[
            &format!("cannot read secret file {}", path.display()),
            "check the path given to --secret-file",
        ],
    );
}

#[test]
fn empty_secret_file_rejected() {
    let path = temp_path("empty");
    std::fs::write(&path, "\n\n").unwrap();
    let arguments = vec![
        "verify".to_owned(),
        "--secret-file".to_owned(),
        path.display().to_string(),
        SIGNED.to_owned(),
    ];
    let result = run(&arguments, None, &[]);
    std::fs::remove_file(&path).unwrap();
    assert_usage_error(&result, &["has no secrets", "one secret per line"]);
}

#[test]
fn missing_secret_variable_rejected() {
    let arguments = args(&["verify", "--secret-env", "WS_TEST_UNSET_VARIABLE", SIGNED]);
    let result = run(&arguments, None, &[]);
    assert_usage_error(
        &result,
        &["environment variable WS_TEST_UNSET_VARIABLE", "is not set"],
    );
}

#[test]
fn empty_secret_variable_name_rejected() {
    let arguments = args(&["verify", "--secret-env", "", SIGNED]);
    let result = run(&arguments, None, &[]);
    assert_usage_error(
        &result,
        &[
            "--secret-env was given an empty name",
            "such as --secret-env SESSION_SECRET",
        ],
    );
    assert!(!result.stderr.contains("  "), "{}", result.stderr);
}

#[test]
fn secret_variable_name_with_equals_rejected() {
    // A user who writes NAME=secret must not see the secret echoed back.
    let arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS=hunter2", SIGNED]);
    let result = run(&arguments, None, &[]);
    assert_usage_error(
        &result,
        &[
            "--secret-env was given a name that contains '='",
            "give only the name",
        ],
    );
    assert!(!result.stderr.contains("hunter2"), "{}", result.stderr);
}

#[test]
fn empty_entry_in_secret_variable_rejected() {
    let envs = vec![("WS_TEST_SECRETS".to_owned(), "s3cr3t,".to_owned())];
    let arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS", SIGNED]);
    let result = run(&arguments, None, &envs);
    assert_usage_error(
        &result,
        &["empty secret at entry 2", "remove the extra comma"],
    );
}

#[test]
fn empty_secret_variable_rejected() {
    let envs = vec![("WS_TEST_SECRETS".to_owned(), String::new())];
    let arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS", SIGNED]);
    let result = run(&arguments, None, &envs);
    assert_usage_error(
        &result,
        &[
            "environment variable WS_TEST_SECRETS (from --secret-env) is empty",
            "set it to one secret, or several separated by commas",
        ],
    );
    assert!(!result.stderr.contains("extra comma"), "{}", result.stderr);
    assert!(!result.stderr.contains("entry"), "{}", result.stderr);
}

#[test]
fn leading_empty_entry_counts_from_one() {
    let envs = vec![("WS_TEST_SECRETS".to_owned(), ",s3cr3t".to_owned())];
    let arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS", SIGNED]);
    let result = run(&arguments, None, &envs);
    assert_usage_error(
        &result,
        &["empty secret at entry 1", "remove the extra comma"],
    );
}

#[test]
fn verify_without_secrets_rejected() {
    let result = run(&args(&["verify", SIGNED]), None, &[]);
    assert_usage_error(
        &result,
        &["verify needs at least one secret", "--secret-env"],
    );
}

#[test]
fn several_cookies_without_name_rejected() {
    let header = format!("theme=dark; {SIGNED}");
    let result = run(&args(&["decode", &header]), None, &[]);
    assert_usage_error(
        &result,
        &["carries 2 cookies (theme, __session)", "--name NAME"],
    );

    let result = run(&args(&["decode", "--name", "session", &header]), None, &[]);
    assert_usage_error(
        &result,
        &[
            "cookie \"session\" is not in the Cookie header",
            "theme, __session",
        ],
    );
}

#[test]
fn empty_input_rejected() {
    let result = run(&args(&["decode"]), Some("  \n"), &[]);
    assert_usage_error(
        &result,
        &["standard input is empty: pipe the cookie into it, or pass it as an argument"],
    );

    let result = run(&args(&["sign", "-"]), Some(""), &[]);
    assert_usage_error(
        &result,
        &["standard input is empty: pipe the JSON data into it"],
    );
}

#[test]
fn empty_argument_rejected() {
    for argument in ["", "  "] {
        let arguments = args(&["verify", "--secret-env", "WS_TEST_SECRETS", argument]);
        let result = run(&arguments, None, &secret_env());
        assert_usage_error(
            &result,
            &[
                "the cookie argument is empty: pass the cookie itself, or - to read it from \
               standard input",
            ],
        );
        assert!(!result.stderr.contains("no cookie given"), "{result:?}");
    }

    let result = run(&args(&["sign", ""]), None, &[]);
    assert_usage_error(&result, &["the JSON data argument is empty"]);
}

#[test]
fn unreadable_standard_input_rejected() {
    // A directory opens as a file on Linux, but reading it fails.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_websession"))
        .arg("decode")
        .stdin(std::fs::File::open(std::env::temp_dir()).unwrap())
        .output()
        .unwrap();
    let result = Run {
        status: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_usage_error(
        &result,
        &[
            "cannot read the cookie from standard input: ",
            "; give it as an argument instead",
        ],
    );
}

#[test]
fn non_utf8_standard_input_rejected() {
    let mut command = assert_cmd::cargo::cargo_bin_cmd!("websession");
    command
        .arg("decode")
        .write_stdin(b"__session=\xff\xfe".as_slice());
    let output = command.output().unwrap();
    let result = Run {
        status: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert_usage_error(&result, &["standard input is not UTF-8"]);
}

#[test]
fn invalid_sign_options_rejected() {
    let cases: [(&[&str], &[&str]); 6] = [
        (
            &["--name", "bad name"],
            &["invalid cookie name \"bad name\""],
        ),
        (
            &["--same-site", "none"],
            &["--same-site none without --secure", "add --secure"],
        ),
        (
            &["--name", "__Host-s", "--path", "/app", "--secure"],
            &["__Host- prefix", "--path / and no --domain"],
        ),
        (
            &["--expires", "tomorrow"],
            &["invalid --expires value \"tomorrow\"", "HTTP date"],
        ),
        (&["--expires", "253402300800"], &["after the year 9999"]),
        (&["--domain", "exa mple.com"], &["invalid cookie domain"]),
    ];
    for (options, expected) in cases {
        let mut arguments = args(&["sign"]);
        arguments.extend(args(options));
        arguments.push("{}".to_owned());
        let result = run(&arguments, None, &[]);
        assert_usage_error(&result, expected);
    }
}

#[test]
fn latin1_sign_rejects_wide_characters() {
    let result = run(
        &args(&["sign", "--encoding", "latin1", r#"{"city":"東京"}"#]),
        None,
        &[],
    );
    assert_usage_error(
        &result,
        &["'東' (U+6771)", "--encoding latin1", "use --encoding utf8"],
    );
}

#[test]
fn unknown_option_is_a_usage_error() {
    let result = run(&args(&["decode", "--max-age", "5", SIGNED]), None, &[]);
    assert_eq!(result.status, 2, "{result:?}");
    assert!(result.stderr.starts_with("error: "), "{result:?}");
    assert!(!result.stderr.contains("panicked"), "{result:?}");
}
