//! Runs one vector of each covered kind and judges the result.

use serde_json::{Map, Value};
use websession::{
    ConfigError, Cookie, CookieSessionStorage, SerializeError, Session, SessionStorage,
    StorageError,
};

use super::judge::{Outcome, Rule};
use super::{
    build_cookie, clock_of, convert_options, input_value, js_date, js_equal, millis_since_epoch,
    rules, secrets_of, ConvertedOptions, OptionsError, Profile,
};

pub fn run(vector: &Value) -> Outcome {
    match vector["kind"].as_str() {
        Some("cookie.serialize") => serialize(vector),
        Some("cookie.parse") => parse(vector),
        Some("cookie.props") => props(vector),
        Some("session.cookie") => session_cookie(vector),
        other => Outcome::Failed(format!("kind {other:?} is not covered here")),
    }
}

/// Judges a configuration that the library rejects while JavaScript may have accepted it.
fn rejected_config(error: &OptionsError, js_failed: bool) -> Outcome {
    match (error, js_failed) {
        (_, true) => Outcome::Passed,
        (OptionsError::Config(error), false) if rules::rule_6_covers(error) => {
            Outcome::Departed(Rule::Numbered(6))
        }
        (OptionsError::Config(error), false) => {
            Outcome::Failed(format!("rejected where JavaScript accepted it: {error}"))
        }
        (OptionsError::Inexpressible(what), false) if what.starts_with("expires") => {
            Outcome::Departed(Rule::Numbered(6))
        }
        (OptionsError::Inexpressible(what), false) => {
            Outcome::Failed(format!("option cannot be expressed: {what}"))
        }
    }
}

/// Builds the cookie that a `cookie.*` vector configures with `name`, `options` and
/// `secrets` on its frozen clock.
fn input_cookie(vector: &Value) -> Result<(Cookie, ConvertedOptions), OptionsError> {
    let input = &vector["input"];
    let name = input["name"].as_str().unwrap_or_default();
    let secrets = secrets_of(&input["secrets"]);
    build_cookie(
        Profile::of(vector),
        name,
        &input["options"],
        &secrets,
        &clock_of(vector),
    )
}

fn serialize(vector: &Value) -> Outcome {
    let input = &vector["input"];
    let expected = &vector["expected"];
    let js_failed = expected.get("error").is_some();
    let (cookie, converted) = match input_cookie(vector) {
        Ok(built) => built,
        Err(error) => return rejected_config(&error, js_failed),
    };
    let overrides = match convert_options(&input["serializeOptions"]) {
        Ok(overrides) => overrides,
        Err(error) => return rejected_config(&error, js_failed),
    };
    let fractional = converted.fractional_max_age || overrides.fractional_max_age;

    match cookie.serialize(&input_value(input), &overrides.options) {
        Err(SerializeError::Config(error)) => {
            rejected_config(&OptionsError::Config(error), js_failed)
        }
        Err(error) if js_failed => {
            let _ = error;
            Outcome::Passed
        }
        Err(error) => Outcome::Failed(format!("serialize failed: {error}")),
        Ok(_) if js_failed && fractional => Outcome::Departed(Rule::Numbered(11)),
        Ok(ours) if js_failed => Outcome::Failed(format!("JavaScript failed, we wrote {ours}")),
        Ok(ours) if Some(ours.as_str()) == expected["setCookie"].as_str() => Outcome::Passed,
        Ok(ours) => Outcome::Failed(format!(
            "wrote {ours}\n    expected {}",
            expected["setCookie"]
        )),
    }
}

fn parse(vector: &Value) -> Outcome {
    let input = &vector["input"];
    let expected = &vector["expected"];
    let js_failed = expected.get("error").is_some();
    let name = input["name"].as_str().unwrap_or_default();
    let header = input["cookieHeader"].as_str();

    let (cookie, _) = match input_cookie(vector) {
        Ok(built) => built,
        Err(error) => return rejected_config(&error, js_failed),
    };
    let ours = cookie.parse(header);

    if js_failed {
        return match ours {
            None => Outcome::Departed(Rule::Numbered(1)),
            Some(value) => Outcome::Failed(format!("JavaScript raised, we read {value}")),
        };
    }
    // JavaScript returns null both for an absent cookie and for the JSON value null.
    let js_value = &expected["value"];
    if js_equal(ours.as_ref().unwrap_or(&Value::Null), js_value) {
        return Outcome::Passed;
    }
    explain_parse_difference(vector, name, header.unwrap_or_default(), ours.is_none())
        .unwrap_or_else(|| Outcome::Failed(format!("read {ours:?}, expected {js_value}")))
}

/// Finds the rule that covers a difference in what a cookie header reads as.
fn explain_parse_difference(
    vector: &Value,
    name: &str,
    header: &str,
    ours_absent: bool,
) -> Option<Outcome> {
    let departed = |number| Some(Outcome::Departed(Rule::Numbered(number)));
    if rules::is_inherited_property_name(name) {
        return departed(2);
    }
    // Rules 3 and 4 read cookies as Remix does, and rule 5 as Remix and React Router do, so
    // for their vectors such a difference is a failure, not a departure.
    let implementation = vector["impl"].as_str().unwrap_or_default();
    let is_remix = implementation == "remix";
    let trims_like_remix = is_remix || implementation == "react-router";
    if !trims_like_remix && rules::has_non_ascii_padding(header, name) {
        return departed(5);
    }
    if !is_remix && rules::is_quoted(header, name) {
        return departed(4);
    }
    let signed = !secrets_of(&vector["input"]["secrets"]).is_empty();
    if !is_remix && signed && ours_absent && rules::has_non_canonical_signature(header, name) {
        return departed(3);
    }
    if Profile::of(vector) == Profile::Default && rules::payload_is_not_utf8(header, name) {
        return Some(Outcome::Departed(Rule::Latin1Fallback));
    }
    None
}

fn props(vector: &Value) -> Outcome {
    let expected = &vector["expected"];
    let (cookie, _) = match input_cookie(vector) {
        Ok(built) => built,
        Err(error) => return rejected_config(&error, false),
    };

    let expires = cookie.expires().map(millis_since_epoch);
    let js_expires = expected["expires"]["$date"].as_i64();
    let checks = [
        (Some(cookie.name()) == expected["name"].as_str(), "name"),
        (
            Some(cookie.is_signed()) == expected["isSigned"].as_bool(),
            "isSigned",
        ),
        (expires == js_expires, "expires"),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        None => Outcome::Passed,
        Some((_, what)) => Outcome::Failed(format!("{what} differs (expires {expires:?})")),
    }
}

/// Outcomes of the steps of a session vector; the first failure or departure decides.
struct Steps {
    departures: Vec<Rule>,
    failure: Option<String>,
}

impl Steps {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok && self.failure.is_none() {
            self.failure = Some(what());
        }
    }

    fn outcome(self) -> Outcome {
        match (self.failure, self.departures.first()) {
            (Some(failure), _) => Outcome::Failed(failure),
            (None, Some(rule)) => Outcome::Departed(*rule),
            (None, None) => Outcome::Passed,
        }
    }
}

fn session_cookie(vector: &Value) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(session_cookie_async(vector))
}

async fn session_cookie_async(vector: &Value) -> Outcome {
    let input = &vector["input"];
    let expected = &vector["expected"];
    let clock = clock_of(vector);
    let js_cookie = &input["cookie"];
    let name = js_cookie["name"].as_str().unwrap_or("__session");
    let secrets = secrets_of(&js_cookie["secrets"]);
    let js_failed = expected.get("error").is_some();

    let (cookie, _) = match build_cookie(Profile::of(vector), name, js_cookie, &secrets, &clock) {
        Ok(built) => built,
        Err(error) => return rejected_config(&error, js_failed),
    };
    let storage = CookieSessionStorage::new(cookie);
    let mut steps = Steps {
        departures: Vec::new(),
        failure: None,
    };

    // Load: JavaScript passes the header only when the vector has the key.
    let header = input.get("cookieHeader").and_then(Value::as_str);
    let mut session = match storage.get_session(header).await {
        Ok(session) => session,
        Err(error) => return Outcome::Failed(format!("get_session failed: {error}")),
    };
    if js_failed {
        let empty = session.data().is_empty();
        return if empty {
            Outcome::Departed(Rule::Numbered(1))
        } else {
            Outcome::Failed("JavaScript raised, we read data".into())
        };
    }
    if !js_equal(
        &Value::Object(session.data().clone()),
        &expected["initialData"],
    ) {
        let header = header.unwrap_or_default();
        if session.data().is_empty() && rules::payload_is_non_object_json(header, name) {
            // Everything after the load follows from different data.
            return Outcome::Departed(Rule::Numbered(2));
        }
        return Outcome::Failed(format!(
            "initial data {:?}, expected {}",
            session.data(),
            expected["initialData"]
        ));
    }
    steps.check(
        session.id() == expected["initialId"].as_str().unwrap_or(""),
        || format!("initial id {:?}", session.id()),
    );

    run_ops(&mut session, input, expected, &mut steps);
    steps.check(
        js_equal(
            &Value::Object(session.data().clone()),
            &expected["finalData"],
        ),
        || {
            format!(
                "final data {:?}, expected {}",
                session.data(),
                expected["finalData"]
            )
        },
    );

    check_commit(&storage, &mut session.clone(), input, expected, &mut steps).await;
    check_destroy(&storage, &mut session, input, expected, &mut steps).await;
    steps.outcome()
}

fn run_ops(session: &mut Session, input: &Value, expected: &Value, steps: &mut Steps) {
    let ops = input["ops"].as_array().cloned().unwrap_or_default();
    let results = expected["ops"].as_array().cloned().unwrap_or_default();
    for (index, op) in ops.iter().enumerate() {
        let name = op["name"].as_str().unwrap_or_default();
        let result = match op["op"].as_str().unwrap_or_default() {
            "set" => {
                session.set(name, op["value"].clone());
                None
            }
            "flash" => {
                session.flash(name, op["value"].clone());
                None
            }
            "unset" => {
                session.unset(name);
                None
            }
            "get" => Some(
                session
                    .get(name)
                    .unwrap_or(serde_json::json!({"$undefined": true})),
            ),
            "has" => Some(Value::Bool(session.has(name))),
            "data" => Some(Value::Object(session.data().clone())),
            "id" => Some(Value::String(session.id().to_owned())),
            other => panic!("unknown session op {other}"),
        };
        if let Some(result) = result {
            let js_result = &results[index]["result"];
            steps.check(js_equal(&result, js_result), || {
                format!("op {index} {op} returned {result}, expected {js_result}")
            });
        }
    }
}

async fn check_commit(
    storage: &CookieSessionStorage,
    session: &mut Session,
    input: &Value,
    expected: &Value,
    steps: &mut Steps,
) {
    let js_commit = &expected["commit"];
    let js_set_cookie = js_commit["setCookie"].as_str();
    let overrides = match convert_options(&input["commitOptions"]) {
        Ok(converted) => converted.options,
        Err(error) => {
            steps.check(false, || format!("commit options: {error:?}"));
            return;
        }
    };
    match storage.commit_session(session, &overrides).await {
        Ok(ours) => {
            steps.check(Some(ours.as_str()) == js_set_cookie, || {
                format!("commit wrote {ours}\n    expected {js_commit}")
            });
            let request_cookie = ours.split(';').next().unwrap_or_default();
            if let Some(js_roundtrip) = expected.get("roundtripData") {
                let read = storage.get_session(Some(request_cookie)).await;
                let data = read.map(|session| Value::Object(session.data().clone()));
                steps.check(
                    data.as_ref().is_ok_and(|data| js_equal(data, js_roundtrip)),
                    || format!("round trip read {data:?}, expected {js_roundtrip}"),
                );
            }
        }
        Err(StorageError::CookieTooLarge { length, .. }) => {
            let js_length = js_commit["length"].as_u64();
            if js_commit.get("error").is_some() {
                return;
            }
            let over = js_length.is_some_and(|js| js > 4096 && js as usize == length);
            if over {
                steps.departures.push(Rule::Numbered(7));
            } else {
                steps.check(false, || {
                    format!("commit too large at {length}, JavaScript {js_length:?}")
                });
            }
        }
        Err(StorageError::Config(error)) if js_commit.get("error").is_none() => {
            let _: ConfigError = error;
            steps.departures.push(Rule::Numbered(6));
        }
        Err(error) => {
            steps.check(js_commit.get("error").is_some(), || {
                format!("commit failed: {error}, JavaScript wrote {js_commit}")
            });
        }
    }
}

async fn check_destroy(
    storage: &CookieSessionStorage,
    session: &mut Session,
    input: &Value,
    expected: &Value,
    steps: &mut Steps,
) {
    let js_destroy = expected["destroy"]["setCookie"]
        .as_str()
        .unwrap_or_default();
    let mut overrides = match convert_options(&input["destroyOptions"]) {
        Ok(converted) => converted.options,
        Err(error) => {
            steps.check(false, || format!("destroy options: {error:?}"));
            return;
        }
    };
    if let Some(expires) = input["destroyOptions"].get("expires") {
        // Destroying always writes the epoch; the option is accepted and ignored.
        overrides.expires = js_date(expires).ok();
    }
    let ours = match storage.destroy_session(session, &overrides).await {
        Ok(ours) => ours,
        Err(error) => {
            steps.check(false, || format!("destroy failed: {error}"));
            return;
        }
    };
    if ours == js_destroy {
        return;
    }
    let without_max_age: Vec<&str> = js_destroy
        .split("; ")
        .filter(|attribute| !attribute.starts_with("Max-Age="))
        .collect();
    if without_max_age.join("; ") == ours {
        steps.departures.push(Rule::Numbered(8));
    } else {
        steps.check(false, || {
            format!("destroy wrote {ours}\n    expected {js_destroy}")
        });
    }
}

#[allow(dead_code)]
fn object(value: &Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}
