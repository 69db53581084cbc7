//! The benchmark inputs: secret, cookie name, other cookies and the session payloads.

use serde_json::{Map, Value};

/// The benchmark inputs, the same file that the JavaScript anchor reads.
const PAYLOADS_JSON: &str = include_str!("../data/payloads.json");

/// The benchmark inputs: one signing secret, the session cookie's name, the three other cookies
/// a browser sends in front of it, and the `small` and `large` session payloads.
///
/// # Examples
///
/// ```
/// let fixture = websession_bench::Fixture::load();
/// assert_eq!(fixture.cookie_name, "__session");
/// assert_eq!(fixture.payload_names(), ["small", "large"]);
/// ```
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The signing secrets, newest first.
    pub secrets: Vec<String>,
    /// The session cookie's name.
    pub cookie_name: String,
    /// The other cookies of the request's `Cookie` header, without the session cookie.
    pub other_cookies: String,
    payloads: Map<String, Value>,
}

impl Fixture {
    /// Parses the payload file compiled into this crate.
    ///
    /// # Panics
    ///
    /// When the compiled-in file lacks a field or has a field of the wrong type; the file is
    /// part of this crate, so that is a build defect.
    ///
    /// # Examples
    ///
    /// ```
    /// let fixture = websession_bench::Fixture::load();
    /// assert_eq!(fixture.secrets.len(), 1);
    /// ```
    pub fn load() -> Self {
        let root: Value =
            serde_json::from_str(PAYLOADS_JSON).expect("data/payloads.json is valid JSON");
        let text = |key: &str| {
            root[key]
                .as_str()
                .unwrap_or_else(|| panic!("data/payloads.json: `{key}` must be a string"))
                .to_owned()
        };
        let secrets = root["secrets"]
            .as_array()
            .expect("data/payloads.json: `secrets` must be an array")
            .iter()
            .map(|secret| {
                secret
                    .as_str()
                    .expect("data/payloads.json: each secret must be a string")
                    .to_owned()
            })
            .collect();
        let payloads = root["payloads"]
            .as_object()
            .expect("data/payloads.json: `payloads` must be an object")
            .clone();
        Self {
            secrets,
            cookie_name: text("cookieName"),
            other_cookies: text("otherCookies"),
            payloads,
        }
    }

    /// Returns the names of the payloads in file order.
    ///
    /// # Examples
    ///
    /// ```
    /// let fixture = websession_bench::Fixture::load();
    /// assert_eq!(fixture.payload_names()[0], "small");
    /// ```
    pub fn payload_names(&self) -> Vec<&str> {
        self.payloads.keys().map(String::as_str).collect()
    }

    /// Returns the session data of the payload `name`.
    ///
    /// # Panics
    ///
    /// When there is no payload `name` or it is not a JSON object.
    ///
    /// # Examples
    ///
    /// ```
    /// let fixture = websession_bench::Fixture::load();
    /// assert_eq!(fixture.payload("small")["role"], "admin");
    /// ```
    pub fn payload(&self, name: &str) -> &Map<String, Value> {
        self.payloads
            .get(name)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no object payload named {name:?} in data/payloads.json"))
    }

    /// Builds the `Cookie` request header that a browser sends back after receiving
    /// `set_cookie`: the other cookies, then the session cookie's `name=value` pair.
    ///
    /// # Examples
    ///
    /// ```
    /// let fixture = websession_bench::Fixture::load();
    /// let header = fixture.request_header("__session=abc; Path=/; HttpOnly");
    /// assert!(header.starts_with("_ga="));
    /// assert!(header.ends_with("; __session=abc"));
    /// ```
    pub fn request_header(&self, set_cookie: &str) -> String {
        let pair = set_cookie.split(';').next().unwrap_or_default();
        format!("{}; {pair}", self.other_cookies)
    }
}
