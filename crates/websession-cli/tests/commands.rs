//! The commands on hand-made cookies: human and JSON output, secret rotation, flash
//! entries, colour, help text, and secrets that never reach the output.

mod support;

use serde_json::json;
use support::{args, run, temp_path, Run};

/// A cookie signed with the secret "s3cr3t", as Remix 2 writes it.
const SIGNED: &str =
    "__session=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS%2Bf0tjIJPiXU";

fn env(name: &str, value: &str) -> Vec<(String, String)> {
    vec![(name.to_owned(), value.to_owned())]
}

#[test]
fn decode_without_secrets_labels_data_unverified() {
    let result = run(&args(&["decode", SIGNED]), None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "cookie      __session\n\
         source      Cookie header\n\
         signature   present but not checked: no secrets given (pass --secret-env or \
         --secret-file)\n\
         data        UNVERIFIED: no secrets given, so anyone could have written it\n\
         {\n  \"user\": \"alice\"\n}\n"
    );
}

#[test]
fn decode_set_cookie_lists_attributes() {
    let set_cookie = format!("{SIGNED}; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax");
    let arguments = args(&["decode", "--json", "--secret-env", "KEYS", &set_cookie]);
    let result = run(&arguments, None, &env("KEYS", "s3cr3t"));
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(
        result.json(),
        json!({
            "name": "__session",
            "source": "set-cookie",
            "value": "eyJ1c2VyIjoiYWxpY2UifQ==.ErTWUeBXXcNTMWFqdf1XfJBByaJ9LzfS+f0tjIJPiXU",
            "status": "verified",
            "verified": true,
            "secret_number": 1,
            "signing_secret": true,
            "secrets_given": 1,
            "data_decoded": true,
            "data": {"user": "alice"},
            "data_too_deep": false,
            "session_id": false,
            "empty_session_reason": null,
            "flash": [],
            "ignored_duplicates": 0,
            "longer_than_browsers_send": false,
            "attributes": [
                {"name": "Max-Age", "value": "3600"},
                {"name": "Path", "value": "/"},
                {"name": "HttpOnly", "value": null},
                {"name": "SameSite", "value": "Lax"},
            ],
        })
    );
}

#[test]
fn rotation_reports_older_secret() {
    let arguments = args(&["verify", "--secret-env", "KEYS", SIGNED]);
    let result = run(&arguments, None, &env("KEYS", "new-secret,s3cr3t"));
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(
        result.stdout,
        "verified: cookie \"__session\" verifies with secret 2 of 2 (environment variable \
         KEYS, entry 2), an older secret, so the next commit signs it again with secret 1\n"
    );
}

#[test]
fn secrets_numbered_in_command_line_order() {
    let path = temp_path("order");
    std::fs::write(&path, "s3cr3t\n").unwrap();
    let arguments = vec![
        "verify".to_owned(),
        "--json".to_owned(),
        "--secret-file".to_owned(),
        path.display().to_string(),
        "--secret-env".to_owned(),
        "KEYS".to_owned(),
        SIGNED.to_owned(),
    ];
    let result = run(&arguments, None, &env("KEYS", "other"));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(result.status, 0, "{result:?}");
    let report = result.json();
    assert_eq!(report["secret_number"], 1, "the file came first: {report}");
    assert_eq!(report["secrets_given"], 2);
}

#[test]
fn verify_wrong_secret_exits_one() {
    let arguments = args(&["verify", "--secret-env", "KEYS", SIGNED]);
    let result = run(&arguments, None, &env("KEYS", "wrong"));
    assert_eq!(result.status, 1, "{result:?}");
    assert_eq!(
        result.stdout,
        "not valid: cookie \"__session\" does not verify with the secret given\n"
    );

    let result = run(&arguments, None, &env("KEYS", "wrong,other,third"));
    assert_eq!(result.status, 1, "{result:?}");
    assert_eq!(
        result.stdout,
        "not valid: cookie \"__session\" does not verify with any of the 3 secrets given\n"
    );

    let arguments = args(&["verify", "--json", "--secret-env", "KEYS", SIGNED]);
    let result = run(&arguments, None, &env("KEYS", "wrong"));
    assert_eq!(result.status, 1, "{result:?}");
    assert_eq!(result.json()["status"], "invalid");
    assert_eq!(result.json()["verified"], false);
}

#[test]
fn decode_signature_line_counts_secrets() {
    let cases = [
        (
            SIGNED,
            "wrong",
            "signature   not valid with the secret given\n",
        ),
        (
            SIGNED,
            "wrong,other",
            "signature   not valid with any of the 2 secrets given\n",
        ),
        (
            "s=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D",
            "s3cr3t",
            "signature   none: the cookie is unsigned, so it is not valid with the secret given\n",
        ),
        (
            "s=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D",
            "s3cr3t,old",
            "signature   none: the cookie is unsigned, so it is not valid with the 2 secrets \
             given\n",
        ),
    ];
    for (cookie, secrets, expected) in cases {
        let arguments = args(&["decode", "--secret-env", "KEYS", cookie]);
        let result = run(&arguments, None, &env("KEYS", secrets));
        assert_eq!(result.status, 0, "{result:?}");
        assert!(
            result.stdout.contains(expected),
            "{secrets}: missing {expected:?} in {result:?}"
        );
    }
}

/// Signs `data` with the secret `s3cr3t` from `KEYS` and returns the `name=value` pair.
fn sign_pair(data: &str) -> String {
    let signed = run(
        &args(&["sign", "--secret-env", "KEYS", "--as", "cookie", data]),
        None,
        &env("KEYS", "s3cr3t"),
    );
    assert_eq!(signed.status, 0, "{signed:?}");
    assert_eq!(signed.stderr, "");
    signed.stdout.trim_end().to_owned()
}

/// Decodes `pair` with the secret `s3cr3t` from `KEYS`, which must succeed.
fn decode_signed(pair: &str) -> Run {
    let decoded = run(
        &args(&["decode", "--secret-env", "KEYS", pair]),
        None,
        &env("KEYS", "s3cr3t"),
    );
    assert_eq!(decoded.status, 0, "{decoded:?}");
    decoded
}

#[test]
fn session_id_cookie_labelled() {
    let pair = &sign_pair("\"4obCRArV_xH2kq9Lz1mW7g\"");
    let decoded = decode_signed(pair);
    assert!(
        decoded.stdout.ends_with(
            "data        verified\n\
             \"4obCRArV_xH2kq9Lz1mW7g\"\n\
             kind        session id: the session data lives in a server-side store, not in the \
             cookie\n"
        ),
        "{decoded:?}"
    );

    let json = run(&args(&["decode", "--json", pair]), None, &[]);
    assert_eq!(json.json()["session_id"], true, "{json:?}");
    assert_eq!(json.json()["empty_session_reason"], json!(null), "{json:?}");
    assert_eq!(json.json()["data"], "4obCRArV_xH2kq9Lz1mW7g", "{json:?}");

    // A string that no session store would use as an id is not labelled as one.
    let text = run(
        &args(&["sign", "--as", "cookie", "\"two words\""]),
        None,
        &[],
    );
    let decoded = run(&args(&["decode", text.stdout.trim_end()]), None, &[]);
    assert!(
        !decoded.stdout.contains("kind        session id"),
        "{decoded:?}"
    );
}

/// Returns a `Cookie` pair named `s` whose payload is base64 of `json`, unsigned.
fn unsigned_pair(json: &str) -> String {
    use base64::Engine as _;

    format!(
        "s={}",
        base64::engine::general_purpose::STANDARD.encode(json)
    )
}

#[test]
fn deep_payload_reported_as_too_deep() {
    let levels = 100_000;
    let deep = unsigned_pair(&format!("{}{}", "[".repeat(levels), "]".repeat(levels)));

    // The pair is longer than one command-line argument may be, so it goes on standard input.
    let result = run(&args(&["decode"]), Some(&deep), &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert!(
        result.stdout.ends_with(
            "the payload is base64 of JSON text nested 100000 levels deep, more than the 127 \
             levels of arrays and objects that websession reads\n"
        ),
        "{}",
        result.stdout
    );
    assert!(!result.stdout.contains("not base64"), "{}", result.stdout);

    let result = run(&args(&["decode", "--json"]), Some(&deep), &[]);
    assert_eq!(result.json()["data_decoded"], false);
    assert_eq!(result.json()["data_too_deep"], true);
}

#[test]
fn cookie_longer_than_browsers_send_noted() {
    // `s=` and base64 of {"a":"x…"}: 4 + 4092 bytes of name and value, then 4 + 4096.
    let fits = unsigned_pair(&format!(r#"{{"a":"{}"}}"#, "x".repeat(3059)));
    let over = unsigned_pair(&format!(r#"{{"a":"{}"}}"#, "x".repeat(3062)));
    assert_eq!((fits.len() - 1, over.len() - 1), (4093, 4097));

    let result = run(&args(&["decode"]), Some(&over), &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert!(
        result.stdout.contains(
            "\nnote        the name and value take 4097 bytes, more than the 4096 that browsers \
             keep, so no browser sends this cookie, and websession's cookie storage reads it as \
             a new, empty session\n"
        ),
        "{}",
        result.stdout
    );
    let result = run(&args(&["decode", "--json"]), Some(&over), &[]);
    assert_eq!(result.json()["longer_than_browsers_send"], true);
    assert_eq!(result.json()["data"]["a"].as_str().unwrap().len(), 3062);

    let result = run(&args(&["decode"]), Some(&fits), &[]);
    assert!(!result.stdout.contains("\nnote "), "{}", result.stdout);
    let result = run(&args(&["decode", "--json"]), Some(&fits), &[]);
    assert_eq!(result.json()["longer_than_browsers_send"], false);
}

#[test]
fn bare_value_longer_than_browsers_send_noted() {
    use base64::Engine as _;

    // Base64 of {"a":"x…"}: 4092 and 4096 bytes. Every cookie name takes at least one byte,
    // so the longer value never comes from a browser.
    let value = |length: usize| {
        base64::engine::general_purpose::STANDARD
            .encode(format!(r#"{{"a":"{}"}}"#, "x".repeat(length)))
    };
    let (fits, over) = (value(3059), value(3062));
    assert_eq!((fits.len(), over.len()), (4092, 4096));

    let result = run(&args(&["decode"]), Some(&over), &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert!(
        result.stdout.contains(
            "\nnote        the value alone takes 4096 bytes, so with any name the name and value \
             take more than the 4096 that browsers keep. No browser sends this cookie, and \
             websession's cookie storage reads it as a new, empty session\n"
        ),
        "{}",
        result.stdout
    );
    let result = run(&args(&["decode", "--json"]), Some(&over), &[]);
    assert_eq!(result.json()["source"], "value");
    assert_eq!(result.json()["longer_than_browsers_send"], true);

    let result = run(&args(&["decode", "--json"]), Some(&fits), &[]);
    assert_eq!(result.json()["longer_than_browsers_send"], false);
}

#[test]
fn nesting_limit_is_max_depth() {
    let nested = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let limit = websession::json::MAX_DEPTH;

    // Human output, because the JSON report of this data nests one level deeper than
    // serde_json reads by default.
    let at_limit = run(
        &args(&["decode", &unsigned_pair(&nested(limit))]),
        None,
        &[],
    );
    assert_eq!(at_limit.status, 0, "{at_limit:?}");
    assert!(at_limit.stdout.contains("[]"), "{at_limit:?}");
    assert!(!at_limit.stdout.contains("levels deep"), "{at_limit:?}");
    assert!(!at_limit.stdout.contains("not base64"), "{at_limit:?}");

    let over = run(
        &args(&["decode", &unsigned_pair(&nested(limit + 1))]),
        None,
        &[],
    );
    assert!(
        over.stdout.contains(&format!(
            "nested {} levels deep, more than the {limit} levels",
            limit + 1
        )),
        "{over:?}"
    );
}

#[test]
fn invalid_deep_payload_is_not_json() {
    // Deep but unbalanced, so not JSON at all.
    let levels = 500;
    let broken = unsigned_pair(&format!("{}{}", "[".repeat(levels), "]".repeat(levels - 1)));
    let result = run(&args(&["decode", &broken]), None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert!(
        result
            .stdout
            .ends_with("the payload is not base64 of JSON text\n"),
        "{}",
        result.stdout
    );
    assert!(!result.stdout.contains("levels deep"), "{}", result.stdout);
}

#[test]
fn nameless_cookie_says_so() {
    let result = run(&args(&["decode", "%%%;;==\""]), None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    let first_line = result.stdout.lines().next().unwrap();
    assert_eq!(
        first_line,
        "cookie      (none: no cookie name could be read before the first '=')"
    );

    let result = run(
        &args(&["verify", "--secret-env", "KEYS", "%%%;;==\""]),
        None,
        &env("KEYS", "s3cr3t"),
    );
    assert_eq!(result.status, 1, "{result:?}");
    assert_eq!(
        result.stdout,
        "not valid: the cookie without a name is unsigned\n"
    );
}

#[test]
fn decode_unsigned_labels_follow_secrets() {
    let unsigned = "s=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D";
    let without_secrets = run(&args(&["decode", unsigned]), None, &[]);
    assert_eq!(without_secrets.status, 0, "{without_secrets:?}");
    assert_eq!(
        without_secrets.stdout,
        "cookie      s\n\
         source      Cookie header\n\
         signature   none: the cookie is unsigned\n\
         data        UNVERIFIED: the cookie is unsigned, so anyone could have written it\n\
         {\n  \"user\": \"alice\"\n}\n"
    );

    let arguments = args(&["decode", "--secret-env", "KEYS", unsigned]);
    let with_secret = run(&arguments, None, &env("KEYS", "s3cr3t"));
    assert_eq!(with_secret.status, 0, "{with_secret:?}");
    assert_eq!(
        with_secret.stdout,
        "cookie      s\n\
         source      Cookie header\n\
         signature   none: the cookie is unsigned, so it is not valid with the secret given\n\
         data        NOT VALID: a server with these secrets ignores this cookie\n\
         {\n  \"user\": \"alice\"\n}\n"
    );
}

#[test]
fn verify_unsigned_and_empty_exit_one() {
    let cases = [
        (
            "s=eyJ1c2VyIjoiYWxpY2UifQ%3D%3D",
            "not valid: cookie \"s\" is unsigned\n",
        ),
        ("s=", "not valid: cookie \"s\" is empty\n"),
    ];
    for (cookie, expected) in cases {
        let arguments = args(&["verify", "--secret-env", "KEYS", cookie]);
        let result = run(&arguments, None, &env("KEYS", "s3cr3t"));
        assert_eq!(result.status, 1, "{result:?}");
        assert_eq!(result.stdout, expected);
    }
}

#[test]
fn sign_then_decode_marks_flash_entries() {
    let data = r#"{"user":"alice","__flash_notice__":"Saved"}"#;
    let pair = &sign_pair(data);
    let decoded = decode_signed(pair);
    assert!(
        decoded
            .stdout
            .ends_with("flash       notice (each removed when the server reads it)\n"),
        "{decoded:?}"
    );
    let json = run(
        &args(&["decode", "--json", "--secret-env", "KEYS", pair]),
        None,
        &env("KEYS", "s3cr3t"),
    );
    assert_eq!(json.json()["flash"], json!(["notice"]));
}

#[test]
fn sign_writes_every_option() {
    let arguments = args(&[
        "sign",
        "--name",
        "__Host-s",
        "--secret-env",
        "KEYS",
        "--max-age=-1",
        "--expires",
        "1700086400",
        "--http-only",
        "--secure",
        "--partitioned",
        "--same-site",
        "strict",
        "--priority",
        "high",
        "1",
    ]);
    let result = run(&arguments, None, &env("KEYS", "s3cr3t"));
    assert_eq!(result.status, 0, "{result:?}");
    let set_cookie = result.stdout.trim_end();
    assert!(set_cookie.starts_with("__Host-s=MQ%3D%3D."), "{set_cookie}");
    assert!(
        set_cookie.ends_with(
            "; Max-Age=-1; Path=/; Expires=Wed, 15 Nov 2023 22:13:20 GMT; HttpOnly; Secure; \
             Partitioned; Priority=High; SameSite=Strict"
        ),
        "{set_cookie}"
    );

    let json = run(
        &args(&[
            "sign",
            "--json",
            "--domain",
            "example.com",
            "--same-site",
            "omit",
            "{}",
        ]),
        None,
        &[],
    );
    assert_eq!(
        json.json(),
        json!({
            "name": "__session",
            "set_cookie": "__session=e30%3D; Domain=example.com; Path=/",
            "cookie": "__session=e30%3D",
            "signed": false,
            "length": 44,
        })
    );
    assert!(
        json.stderr.contains("warning: no secrets given"),
        "{json:?}"
    );
}

#[test]
fn sign_reads_solid_start_latin1() {
    let result = run(
        &args(&[
            "sign",
            "--encoding",
            "latin1",
            "--same-site",
            "omit",
            r#"{"msg":"é"}"#,
        ]),
        None,
        &[],
    );
    assert_eq!(result.stdout, "__session=eyJtc2ciOiLpIn0%3D; Path=/\n");
}

#[test]
fn secrets_never_printed() {
    let secret = "hunter2-do-not-print-me";
    let path = temp_path("private");
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    let file = path.display().to_string();
    let signed = run(
        &args(&[
            "sign",
            "--secret-file",
            &file,
            "--as",
            "cookie",
            r#"{"a":1}"#,
        ]),
        None,
        &[],
    );
    let pair = signed.stdout.trim_end().to_owned();

    let runs = [
        signed,
        run(&args(&["decode", "--secret-file", &file, &pair]), None, &[]),
        run(
            &args(&["decode", "--json", "--secret-file", &file, &pair]),
            None,
            &[],
        ),
        run(
            &args(&["verify", "--secret-env", "KEYS", &pair]),
            None,
            &env("KEYS", secret),
        ),
        run(&args(&["verify", "--secret", secret, &pair]), None, &[]),
        run(
            &args(&["verify", "--secret", secret, "not a cookie"]),
            None,
            &[],
        ),
        run(
            &args(&["verify", "--secret-env", "KEYS", &pair]),
            None,
            &env("KEYS", "x,,y"),
        ),
        run(&args(&["sign", "--secret", secret, "{bad"]), None, &[]),
    ];
    std::fs::remove_file(&path).unwrap();
    for result in runs {
        assert!(!result.stdout.contains(secret), "{result:?}");
        assert!(!result.stderr.contains(secret), "{result:?}");
        assert!(!result.stderr.contains("hunter2"), "{result:?}");
    }
}

#[test]
fn hyphen_secret_argument_not_echoed() {
    // By default clap reads a value that starts with '-' as an option and quotes it in its
    // "unexpected argument" error, which would print such a secret on standard error.
    let path = temp_path("hyphen");
    for secret in ["-hunter2-leading-dash", "--hunter2-double-dash"] {
        std::fs::write(&path, format!("{secret}\n")).unwrap();
        let file = path.display().to_string();
        let signed = run(
            &args(&["sign", "--secret-file", &file, "--as", "cookie", "{}"]),
            None,
            &[],
        );
        assert_eq!(signed.status, 0, "{signed:?}");
        let pair = signed.stdout.trim_end().to_owned();

        let verified = run(&args(&["verify", "--secret", secret, &pair]), None, &[]);
        assert_eq!(verified.status, 0, "{verified:?}");
        assert!(verified.stdout.starts_with("verified:"), "{verified:?}");
        assert!(!verified.stdout.contains("hunter2"), "{verified:?}");
        assert!(!verified.stderr.contains("hunter2"), "{verified:?}");
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn repeated_cookie_name_gets_note() {
    // The first pair is what websession, Remix and React Router read, so the second, a valid
    // cookie, is ignored.
    let header = format!("Cookie: __session=abc; theme=dark; {SIGNED}");
    // Runs `command` (a subcommand and its flags) on the header, with the secret "s3cr3t".
    let run_on_header = |command: &[&str]| {
        let rest = [
            "--secret-env",
            "KEYS",
            "--name",
            "__session",
            header.as_str(),
        ];
        run(
            &args(&[command, &rest[..]].concat()),
            None,
            &env("KEYS", "s3cr3t"),
        )
    };

    let text = run_on_header(&["decode"]);
    assert_eq!(text.status, 0, "{text:?}");
    assert!(
        text.stdout.contains(
            "\nnote        the header has 1 more cookie of this name after this one, which \
             websession, Remix and React Router ignore because they read the first."
        ),
        "{text:?}"
    );
    assert!(text.stdout.contains("the cookie is unsigned"), "{text:?}");

    let json = run_on_header(&["decode", "--json"]);
    assert_eq!(json.json()["ignored_duplicates"], 1, "{json:?}");
    assert_eq!(json.json()["value"], "abc", "{json:?}");

    let verified = run_on_header(&["verify"]);
    assert_eq!(verified.status, 1, "{verified:?}");
    assert_eq!(
        verified.stdout,
        "not valid: cookie \"__session\" is unsigned; the header has 1 more cookie of this name \
         after it, which websession, Remix and React Router ignore (decode tells more)\n"
    );

    let verified = run_on_header(&["verify", "--json"]);
    assert_eq!(verified.json()["ignored_duplicates"], 1, "{verified:?}");
    assert_eq!(verified.json()["status"], "unsigned", "{verified:?}");

    let single = run(&args(&["decode", SIGNED]), None, &[]);
    assert!(!single.stdout.contains("\nnote "), "{single:?}");
    let single = run(
        &args(&["verify", "--secret-env", "KEYS", SIGNED]),
        None,
        &env("KEYS", "s3cr3t"),
    );
    assert!(!single.stdout.contains("more cookie"), "{single:?}");
    assert_eq!(single.status, 0, "{single:?}");
}

#[test]
fn option_name_as_secret_gets_warning() {
    // `--json` after `--secret` is the secret, so the output stays text.
    let result = run(&args(&["verify", "--secret", "--json", SIGNED]), None, &[]);
    assert_eq!(result.status, 1, "{result:?}");
    assert!(result.stdout.starts_with("not valid:"), "{result:?}");
    assert!(
        result.stderr.contains(
            "warning: --secret argument 1 has the name of an option of this tool, which is \
             used as the secret and not as the option"
        ),
        "{result:?}"
    );

    let hyphen_secret = run(&args(&["verify", "--secret", "-s3cr3t", SIGNED]), None, &[]);
    assert!(
        !hyphen_secret.stderr.contains("name of an option"),
        "{hyphen_secret:?}"
    );
}

#[test]
fn padded_secret_gets_warning() {
    // A space after the comma belongs to the second secret, which then verifies nothing.
    let arguments = args(&["verify", "--secret-env", "KEYS", SIGNED]);
    let padded = run(&arguments, None, &env("KEYS", "new-secret, s3cr3t"));
    assert_eq!(padded.status, 1, "{padded:?}");
    assert_eq!(
        padded.stderr,
        "warning: the secret from environment variable KEYS, entry 2 starts or ends with \
         whitespace (such as a space, tab or line break), which is part of the secret; remove \
         it unless the application's secret has it too\n"
    );

    // A no-break space, as pasted from some documents, is whitespace too.
    let no_break = run(&arguments, None, &env("KEYS", "s3cr3t\u{a0}"));
    assert_eq!(no_break.status, 1, "{no_break:?}");
    assert!(
        no_break
            .stderr
            .contains("entry 1 starts or ends with whitespace"),
        "{no_break:?}"
    );

    let trimmed = run(&arguments, None, &env("KEYS", "new-secret,s3cr3t"));
    assert_eq!(trimmed.status, 0, "{trimmed:?}");
    assert_eq!(trimmed.stderr, "");
}

#[test]
fn line_break_in_secret_gets_warning() {
    // A line feed at the end of a variable, such as one copied from a file that `echo`
    // wrote, belongs to the secret.
    let arguments = args(&["verify", "--secret-env", "KEYS", SIGNED]);
    let from_env = run(&arguments, None, &env("KEYS", "s3cr3t\n"));
    assert_eq!(from_env.status, 1, "{from_env:?}");
    assert!(
        from_env.stderr.starts_with(
            "warning: the secret from environment variable KEYS, entry 1 starts or ends with \
             whitespace"
        ),
        "{from_env:?}"
    );

    // A file read as CRLF lines loses one carriage return, not a second one.
    let (from_file, file) = verify_with_secret_file("carriage-return", b"s3cr3t\r\r\n");
    assert_eq!(from_file.status, 1, "{from_file:?}");
    assert!(
        from_file.stderr.starts_with(&format!(
            "warning: the secret from file {file}, line 1 starts"
        )),
        "{from_file:?}"
    );
}

/// Runs `verify` on [`SIGNED`] with a secret file of `contents`, and returns the run and the
/// file's path as printed.
fn verify_with_secret_file(label: &str, contents: &[u8]) -> (Run, String) {
    let path = temp_path(label);
    std::fs::write(&path, contents).unwrap();
    let file = path.display().to_string();
    let result = run(
        &args(&["verify", "--secret-file", &file, SIGNED]),
        None,
        &[],
    );
    std::fs::remove_file(&path).unwrap();
    (result, file)
}

#[test]
fn raw_byte_secret_padding_warns() {
    // A line that is not UTF-8 is checked for ASCII whitespace at either end.
    let cases: [(&[u8], bool); 3] = [
        (b" \xffkey\n", true),
        (b"\xffkey\t\n", true),
        (b"\xffkey\n", false),
    ];
    for (contents, padded) in cases {
        let (result, file) = verify_with_secret_file("raw-bytes", contents);
        assert_eq!(result.status, 1, "{contents:?}: {result:?}");
        let warning = format!("warning: the secret from file {file}, line 1 starts or ends");
        assert_eq!(
            result.stderr.starts_with(&warning),
            padded,
            "{contents:?}: {result:?}"
        );
    }
}

#[test]
fn oversized_cookie_warning_starts_past_limit() {
    // The Path attribute adds its bytes one for one, so it sets the exact length.
    let sign = |path: &str| {
        let arguments = args(&[
            "sign",
            "--secret-env",
            "KEYS",
            "--json",
            "--path",
            path,
            "{}",
        ]);
        run(&arguments, None, &env("KEYS", "s3cr3t"))
    };
    let short = sign("/");
    assert_eq!(short.status, 0, "{short:?}");
    let short_length = short.json()["length"].as_u64().unwrap() as usize;

    let limit = 4096;
    let at_limit = sign(&format!("/{}", "a".repeat(limit - short_length)));
    assert_eq!(at_limit.status, 0, "{at_limit:?}");
    assert_eq!(at_limit.json()["length"], limit, "{at_limit:?}");
    assert_eq!(at_limit.stderr, "");

    let over_limit = sign(&format!("/{}", "a".repeat(limit + 1 - short_length)));
    assert_eq!(over_limit.status, 0, "{over_limit:?}");
    assert_eq!(over_limit.json()["length"], limit + 1, "{over_limit:?}");
    assert_eq!(
        over_limit.stderr,
        "warning: the Set-Cookie value is 4097 bytes, more than the 4096 that browsers keep; \
         store less data in the cookie\n"
    );
}

#[test]
fn spaced_max_age_names_whitespace() {
    let arguments = args(&["sign", "--secret-env", "KEYS", "--max-age", " 5", "{}"]);
    let result = run(&arguments, None, &env("KEYS", "s3cr3t"));
    assert_eq!(result.status, 2, "{result:?}");
    assert!(
        result.stderr.contains(
            "invalid value ' 5' for '--max-age <SECONDS>': remove the whitespace around the number"
        ),
        "{result:?}"
    );
}

#[test]
fn fractional_max_age_asks_for_seconds() {
    let arguments = args(&["sign", "--secret-env", "KEYS", "--max-age", "1.5", "{}"]);
    let result = run(&arguments, None, &env("KEYS", "s3cr3t"));
    assert_eq!(result.status, 2, "{result:?}");
    assert_eq!(result.stdout, "");
    assert!(
        result.stderr.contains(
            "invalid value '1.5' for '--max-age <SECONDS>': expected whole seconds between \
             -9223372036854775808 and 9223372036854775807, such as 3600 for an hour"
        ),
        "{result:?}"
    );
}

#[test]
fn secret_argument_prints_warning() {
    let result = run(&args(&["verify", "--secret", "s3cr3t", SIGNED]), None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(
        result.stderr,
        "warning: --secret puts the secret on the command line, where other users of this \
         machine can read it; prefer --secret-env NAME or --secret-file PATH\n"
    );
}

#[test]
fn colour_only_when_asked_or_on_terminal() {
    let plain = run(&args(&["decode", SIGNED]), None, &[]);
    assert!(!plain.stdout.contains('\u{1b}'), "{plain:?}");

    let coloured = run(&args(&["--color", "always", "decode", SIGNED]), None, &[]);
    let signature_line = coloured
        .stdout
        .lines()
        .find(|line| line.contains("signature"))
        .unwrap();
    assert!(
        signature_line.ends_with(
            "\u{1b}[1m\u{1b}[33mpresent but not checked: no secrets given \
         (pass --secret-env or --secret-file)\u{1b}[0m"
        ),
        "{coloured:?}"
    );
    assert!(!coloured.stdout.contains("\\u001b"), "{coloured:?}");

    let json = run(
        &args(&["decode", "--color", "always", "--json", SIGNED]),
        None,
        &[],
    );
    assert!(!json.stdout.contains('\u{1b}'), "{json:?}");
}

#[test]
fn control_characters_in_data_escaped() {
    // JSON data with an escape sequence that clears a terminal, and the C1 character CSI.
    let data = r#"{"x":"\u001b[2J\u009b"}"#;
    let signed = run(&args(&["sign", "--as", "cookie", data]), None, &[]);
    let pair = signed.stdout.trim_end();
    for arguments in [args(&["decode", pair]), args(&["decode", "--json", pair])] {
        let result = run(&arguments, None, &[]);
        assert_eq!(result.status, 0, "{result:?}");
        assert!(!result.stdout.contains('\u{1b}'), "{result:?}");
        assert!(!result.stdout.contains('\u{9b}'), "{result:?}");
        assert!(result.stdout.contains("\\u001b[2J\\u009b"), "{result:?}");
    }
}

#[test]
fn cookie_from_standard_input() {
    let result = run(
        &args(&["decode", "--json"]),
        Some(&format!("Cookie: {SIGNED}\n")),
        &[],
    );
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(result.json()["data"], json!({"user": "alice"}));
    assert_eq!(result.json()["status"], "unchecked");
}

#[test]
fn help_explains_options_with_units() {
    let expectations: [(&str, &[&str]); 3] = [
        (
            "sign",
            &[
                "--max-age <SECONDS>",
                "in seconds",
                "--expires <TIME>",
                "Unix time in seconds",
                "--same-site <POLICY>",
                "--priority <LEVEL>",
                "--partitioned",
                "--encoding <ENCODING>",
                "--secret-file <PATH>",
                "one secret per line",
                "Secrets are numbered from 1",
            ],
        ),
        (
            "decode",
            &[
                "--name <NAME>",
                "--input-type <TYPE>",
                "--secret-env <NAME>",
                "separated by commas",
                "--json",
            ],
        ),
        (
            "verify",
            &[
                "Exit status 0",
                "--secret <VALUE>",
                "Other users of the machine can read command lines",
            ],
        ),
    ];
    for (command, phrases) in expectations {
        let result = run(&args(&[command, "--help"]), None, &[]);
        assert_eq!(result.status, 0, "{result:?}");
        for phrase in phrases {
            assert!(
                result.stdout.contains(phrase),
                "{command} --help lacks {phrase:?}"
            );
        }
    }
}

#[test]
fn sign_help_describes_writing() {
    let result = run(&args(&["sign", "--help"]), None, &[]);
    assert_eq!(result.status, 0, "{result:?}");
    let help = &result.stdout;

    let phrases = [
        "Zero or a negative number makes the browser delete the cookie",
        "none writes SameSite=None and requires --secure",
        "omit writes no SameSite attribute at all",
        "utf8:   UTF-8, as Remix and React Router write it",
        "latin1: Latin-1, one byte a character, as solid-start 0.2 writes it",
    ];
    for phrase in phrases {
        assert!(
            help.contains(phrase),
            "sign --help lacks {phrase:?}:\n{help}"
        );
    }
    assert!(!help.contains("browser to delete"), "{help}");
    assert!(!help.contains("omit writes none"), "{help}");
    assert!(!help.contains("when reading"), "{help}");
}

#[test]
fn inspect_is_alias_of_decode() {
    let inspected = run(&args(&["inspect", "--json", SIGNED]), None, &[]);
    assert_eq!(inspected.status, 0, "{inspected:?}");
    let decoded = run(&args(&["decode", "--json", SIGNED]), None, &[]);
    assert_eq!(inspected.stdout, decoded.stdout);

    let help = run(&args(&["--help"]), None, &[]);
    assert!(help.stdout.contains("[alias: inspect]"), "{help:?}");
}

#[test]
fn secret_file_skips_bom_and_blank_lines() {
    let path = temp_path("bom");
    std::fs::write(&path, "\u{feff}s3cr3t\r\n \t \r\n\t\n").unwrap();
    let file = path.display().to_string();
    let result = run(
        &args(&["verify", "--json", "--secret-file", &file, SIGNED]),
        None,
        &[],
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(result.status, 0, "{result:?}");
    assert_eq!(result.json()["secret_number"], 1, "{result:?}");
    assert_eq!(result.json()["secrets_given"], 1, "{result:?}");
}

#[test]
fn secret_file_only_whitespace_has_no_secrets() {
    let path = temp_path("blank");
    std::fs::write(&path, "  \n\t\r\n").unwrap();
    let file = path.display().to_string();
    let result = run(
        &args(&["verify", "--secret-file", &file, SIGNED]),
        None,
        &[],
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(result.status, 2, "{result:?}");
    assert!(result.stderr.contains("has no secrets"), "{result:?}");
}

#[test]
fn secret_file_keeps_spaces_inside_secret() {
    let path = temp_path("spaces");
    std::fs::write(&path, "  two words \t\n").unwrap();
    let file = path.display().to_string();
    let signed = run(
        &args(&["sign", "--as", "cookie", "--secret-file", &file, "{}"]),
        None,
        &[],
    );
    std::fs::remove_file(&path).unwrap();
    assert_eq!(signed.status, 0, "{signed:?}");

    let pair = signed.stdout.trim_end();
    let verified = run(
        &args(&["verify", "--secret-env", "KEYS", pair]),
        None,
        &env("KEYS", "  two words \t"),
    );
    assert_eq!(verified.status, 0, "{verified:?}");
    let trimmed = run(
        &args(&["verify", "--secret-env", "KEYS", pair]),
        None,
        &env("KEYS", "two words"),
    );
    assert_eq!(trimmed.status, 1, "{trimmed:?}");
}

#[test]
fn secret_file_help_describes_lines() {
    let result = run(&args(&["verify", "--help"]), None, &[]);
    assert!(
        result
            .stdout
            .contains("lines of only whitespace are skipped"),
        "{result:?}"
    );
    assert!(result.stdout.contains("CRLF line endings"), "{result:?}");
}

#[test]
fn non_object_data_read_as_empty_session() {
    // The last field: whether Remix and React Router read the data as an object keyed by
    // index, which they do for a non-empty array or string.
    let cases = [
        ("42", "a number", false),
        ("[]", "an array", false),
        ("[1,\"x\"]", "an array", true),
        ("null", "null", false),
        ("true", "a boolean", false),
        (
            "\"../../etc/passwd\"",
            "a string that is not a valid session id",
            true,
        ),
    ];
    for (data, kind, by_index) in cases {
        let pair = sign_pair(data);
        let mut reason = format!(
            "the data is {kind}. The cookie storage of websession reads only a JSON object, \
             and its server-side storage only a valid session id, so both read this cookie as \
             a new, empty session"
        );
        if by_index {
            reason.push_str(
                ". The cookie storages of Remix and React Router read it as an object keyed \
                 by index, such as {\"0\": ...}",
            );
        }

        let decoded = decode_signed(&pair);
        let parsed = serde_json::from_str::<serde_json::Value>(data).unwrap();
        let pretty_data = serde_json::to_string_pretty(&parsed).unwrap();
        let expected = format!(
            "data        verified\n{pretty_data}\nkind        not session data: {reason}\n"
        );
        assert!(decoded.stdout.ends_with(&expected), "{data}: {decoded:?}");

        let json = run(
            &args(&["decode", "--json", "--secret-env", "KEYS", &pair]),
            None,
            &env("KEYS", "s3cr3t"),
        );
        assert_eq!(json.json()["verified"], true, "{data}: {json:?}");
        assert_eq!(
            json.json()["empty_session_reason"],
            reason,
            "{data}: {json:?}"
        );
    }
}

#[test]
fn object_data_has_no_empty_session_note() {
    let pair = sign_pair("{\"user\":\"alice\"}");
    let decoded = decode_signed(&pair);
    assert!(!decoded.stdout.contains("not session data"), "{decoded:?}");
}

#[test]
fn sign_stores_numbers_as_javascript_does() {
    let help = run(&args(&["sign", "--help"]), None, &[]);
    let help = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("Numbers are stored as JavaScript numbers (64-bit floating point)"),
        "{help}"
    );
    assert!(
        help.contains("12345678901234567890 is written as 12345678901234567000"),
        "{help}"
    );

    let pair = sign_pair(r#"{"big":12345678901234567890,"one":1.0}"#);
    let decoded = run(&args(&["decode", "--json", &pair]), None, &[]);
    let data = &decoded.json()["data"];
    assert_eq!(
        data["big"].to_string(),
        "12345678901234567000",
        "{decoded:?}"
    );
    assert_eq!(data["one"].to_string(), "1", "{decoded:?}");
}

#[test]
fn readme_lists_every_secret_option() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md is readable");
    let start = readme
        .find("## Command-line tool")
        .expect("README.md has a Command-line tool section");
    let end = readme[start + 1..]
        .find("\n## ")
        .map_or(readme.len(), |offset| start + 1 + offset);
    let section = readme[start..end].split_whitespace().collect::<Vec<_>>();
    let section = section.join(" ");
    for phrase in [
        "--secret-env NAME",
        "--secret-file PATH",
        "--secret VALUE",
        "process list",
        "shell history",
    ] {
        assert!(section.contains(phrase), "README.md lacks {phrase:?}");
    }
}
