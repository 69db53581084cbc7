//! Runs the built binary on the cookies recorded from Remix 2, React Router 7 and
//! solid-start 0.2, read from the vector files at test time.
//!
//! The tool reads cookies with the library, so each result is compared with the library's
//! own. Where the library matches the JavaScript result, the tool must match it too. Each
//! implementation must have enough such cases for the comparison to mean something.

mod support;

use serde_json::{json, Value};
use support::{args, js_text, options_to_sign, run, secrets_of, value_of, Profile, SecretSource};
use websession::{Cookie, CookieOptions};

/// Minimum number of cases per implementation where the tool reproduces the JavaScript
/// result.
const MIN_AGREEING_CASES: usize = 20;

/// Returns the value a server reads from a cookie, derived from the tool's `decode --json`
/// output: `Some(None)` for an absent or rejected cookie, `Some(Some(value))` otherwise.
/// Returns `None` when the tool rejects the input itself (invalid percent-encoding).
fn server_view(run: &support::Run, has_secrets: bool) -> Option<Option<Value>> {
    if run.status == 2 {
        if run.stderr.contains("invalid percent-encoding") {
            return None;
        }
        assert!(
            run.stderr.contains("is not in the"),
            "unexpected error: {run:?}"
        );
        return Some(None);
    }
    assert_eq!(run.status, 0, "{run:?}");

    let report = run.json();
    let data_or_empty = if report["data_decoded"] == true {
        report["data"].clone()
    } else {
        json!({})
    };
    let view = match report["status"].as_str() {
        Some("empty") => Some(json!("")),
        Some("verified") => Some(data_or_empty),
        Some("unsigned") if !has_secrets => Some(data_or_empty),
        Some("unsigned") | Some("invalid") => None,
        // Without secrets a server decodes "payload.signature" as a whole, which is not
        // base64 because of the dot, so it reads an empty object.
        Some("unchecked") => Some(json!({})),
        other => panic!("unknown status {other:?}: {run:?}"),
    };
    Some(view)
}

#[test]
fn parse_vectors_decode_as_the_library_reads_them() {
    for (file, vectors) in support::load_vector_files() {
        let mut agreeing = 0;
        let mut compared = 0;
        let cases = vectors
            .iter()
            .filter(|vector| vector["kind"] == "cookie.parse");
        for (position, vector) in cases.enumerate() {
            let input = &vector["input"];
            let profile = Profile::of(vector);
            let (Some(header), Some(name), Some(secrets)) = (
                input["cookieHeader"]
                    .as_str()
                    .filter(|header| !header.is_empty()),
                input["name"].as_str(),
                secrets_of(input),
            ) else {
                continue;
            };
            let Some(source) = SecretSource::new(&secrets, position % 2 == 1) else {
                continue;
            };
            let Ok(cookie) = Cookie::builder(name)
                .secrets(&secrets)
                .payload_encoding(profile.encoding())
                .build()
            else {
                continue;
            };
            let library = cookie.parse(Some(header));

            let mut command = args(&["decode", "--json", "--input-type", "cookie"]);
            command.push(format!("--name={name}"));
            command.extend(["--encoding".to_owned(), profile.encoding_arg().to_owned()]);
            command.extend(source.args.iter().cloned());
            let result = run(&command, Some(header), &source.envs);

            let Some(view) = server_view(&result, !secrets.is_empty()) else {
                continue;
            };
            let id = &vector["id"];
            assert_eq!(
                view.as_ref().map(js_text),
                library.as_ref().map(js_text),
                "[{file}] {id}: tool and library differ; {result:?}"
            );
            compared += 1;
            let javascript = Some(&vector["expected"]["value"]).filter(|value| !value.is_null());
            if javascript.map(js_text) == library.as_ref().map(js_text) {
                agreeing += 1;
            }
        }
        println!("[{file}] parse: {compared} compared, {agreeing} as in JavaScript");
        assert!(
            agreeing >= MIN_AGREEING_CASES,
            "[{file}] only {agreeing} parse cases match the JavaScript result"
        );
    }
}

#[test]
fn serialize_vectors_sign_and_decode_back() {
    for (file, vectors) in support::load_vector_files() {
        let mut agreeing = 0;
        let cases = vectors.iter().filter(|vector| {
            vector["kind"] == "cookie.serialize" && vector["expected"]["setCookie"].is_string()
        });
        for (position, vector) in cases.enumerate() {
            let input = &vector["input"];
            let id = &vector["id"];
            let profile = Profile::of(vector);
            if input
                .get("serializeOptions")
                .is_some_and(|options| options.as_object().is_some_and(|map| !map.is_empty()))
            {
                continue;
            }
            let (Some(name), Some(secrets), Some(value)) =
                (input["name"].as_str(), secrets_of(input), value_of(input))
            else {
                continue;
            };
            let Some(source) = SecretSource::new(&secrets, position % 2 == 0) else {
                continue;
            };
            let builder = Cookie::builder(name).secrets(&secrets);
            let Some((option_args, builder)) = options_to_sign(&input["options"], profile, builder)
            else {
                continue;
            };
            let library = builder
                .build()
                .map_err(|error| error.to_string())
                .and_then(|cookie| {
                    cookie
                        .serialize(&value, &CookieOptions::default())
                        .map_err(|error| error.to_string())
                });

            let mut command = args(&["sign", &format!("--name={name}")]);
            command.extend(option_args);
            command.extend(source.args.iter().cloned());
            let data = serde_json::to_string(&value).unwrap();
            let signed = run(&command, Some(&data), &source.envs);

            let set_cookie = match library {
                Ok(set_cookie) => set_cookie,
                Err(_) => {
                    assert_eq!(signed.status, 2, "[{file}] {id}: {signed:?}");
                    assert_eq!(signed.stderr.lines().count(), 1, "{signed:?}");
                    continue;
                }
            };
            assert_eq!(signed.status, 0, "[{file}] {id}: {signed:?}");
            assert_eq!(
                signed.stdout.trim_end(),
                set_cookie,
                "[{file}] {id}: sign differs from the library"
            );
            if vector["expected"]["setCookie"] == set_cookie.as_str() {
                agreeing += 1;
            }

            check_decode_of_set_cookie(&file, id, &set_cookie, &secrets, &source, &value);
        }
        println!("[{file}] serialize: {agreeing} as in JavaScript");
        assert!(
            agreeing >= MIN_AGREEING_CASES,
            "[{file}] only {agreeing} serialize cases match the JavaScript result"
        );
    }
}

/// Decodes a `Set-Cookie` value written by `sign` and checks name, attributes, status and
/// data.
fn check_decode_of_set_cookie(
    file: &str,
    id: &Value,
    set_cookie: &str,
    secrets: &[String],
    source: &SecretSource,
    value: &Value,
) {
    // Without attributes a Set-Cookie value looks like a name=value pair, so the header
    // name goes in front to mark it.
    let mut command = args(&["decode", "--json"]);
    command.extend(source.args.iter().cloned());
    if set_cookie.contains("; ") {
        command.push(set_cookie.to_owned());
    } else {
        command.push(format!("Set-Cookie: {set_cookie}"));
    }
    let decoded = run(&command, None, &source.envs);
    assert_eq!(decoded.status, 0, "[{file}] {id}: {decoded:?}");
    let report = decoded.json();

    let (name, rest) = set_cookie.split_once('=').unwrap();
    assert_eq!(report["name"], name, "[{file}] {id}");
    assert_eq!(report["source"], "set-cookie", "[{file}] {id}");
    let attribute_count = rest.split("; ").count() - 1;
    assert_eq!(
        report["attributes"].as_array().map(Vec::len),
        Some(attribute_count),
        "[{file}] {id}: {report}"
    );

    if value == "" {
        assert_eq!(report["status"], "empty", "[{file}] {id}");
        return;
    }
    let expected_status = if secrets.is_empty() {
        "unsigned"
    } else {
        "verified"
    };
    assert_eq!(report["status"], expected_status, "[{file}] {id}: {report}");
    if !secrets.is_empty() {
        assert_eq!(report["secret_number"], 1, "[{file}] {id}");
        assert_eq!(report["signing_secret"], true, "[{file}] {id}");
    }
    assert_eq!(
        js_text(&report["data"]),
        js_text(value),
        "[{file}] {id}: decoded data differs"
    );
}

#[test]
fn tampered_vector_cookies_do_not_verify() {
    let mut checked = 0;
    for (file, vectors) in support::load_vector_files() {
        for vector in &vectors {
            let input = &vector["input"];
            let (Some(set_cookie), Some(secrets)) =
                (vector["expected"]["setCookie"].as_str(), secrets_of(input))
            else {
                continue;
            };
            let pair = set_cookie.split(';').next().unwrap();
            let Some(source) = SecretSource::new(&secrets, false) else {
                continue;
            };
            let name = input["name"].as_str().unwrap_or_default();
            let name_is_token = Cookie::builder(name).build().is_ok();
            if secrets.is_empty() || !pair.contains('.') || !name_is_token {
                continue;
            }

            let mut command = args(&["verify", "--input-type", "cookie"]);
            command.extend(source.args.iter().cloned());
            command.push(pair.to_owned());
            let genuine = run(&command, None, &source.envs);
            assert_eq!(genuine.status, 0, "[{file}] {}: {genuine:?}", vector["id"]);
            assert!(genuine.stdout.starts_with("verified: "), "{genuine:?}");

            for tampered in tamper(pair) {
                *command.last_mut().unwrap() = tampered.clone();
                let result = run(&command, None, &source.envs);
                assert_eq!(result.status, 1, "[{file}] {tampered}: {result:?}");
                assert!(result.stdout.starts_with("not valid: "), "{result:?}");
                assert_eq!(result.stdout.lines().count(), 1, "{result:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 100, "only {checked} tampered cookies checked");
}

/// Returns copies of a signed `name=value` pair with one payload character changed, one
/// signature character changed, and the signature cut short.
fn tamper(pair: &str) -> Vec<String> {
    let equals = pair.find('=').unwrap();
    let dot = pair.rfind('.').unwrap();
    let swap = |index: usize| {
        let mut bytes = pair.as_bytes().to_vec();
        bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let mut copies = vec![swap(dot + 1), pair[..pair.len() - 1].to_owned()];
    if dot > equals + 1 {
        copies.push(swap(equals + 1));
    }
    copies
}

#[test]
fn solid_start_latin1_cookie_decodes_with_default_encoding() {
    let mut checked = 0;
    for (_, vectors) in support::load_vector_files() {
        for vector in &vectors {
            let input = &vector["input"];
            let Some(set_cookie) = vector["expected"]["setCookie"].as_str() else {
                continue;
            };
            let Some(value) = value_of(input) else {
                continue;
            };
            let is_latin1_only = {
                let text = js_text(&value);
                !text.is_ascii() && text.chars().all(|c| u32::from(c) <= 0xFF)
            };
            let unsigned = secrets_of(input).is_some_and(|secrets| secrets.is_empty());
            if vector["impl"] != "solid-start" || !is_latin1_only || !unsigned {
                continue;
            }

            let result = run(&args(&["decode", "--json", set_cookie]), None, &[]);
            assert_eq!(result.status, 0, "{result:?}");
            let report = result.json();
            assert_eq!(report["status"], "unsigned");
            assert_eq!(
                js_text(&report["data"]),
                js_text(&value),
                "{}",
                vector["id"]
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "no Latin-1 solid-start cookie in the vectors");
}
