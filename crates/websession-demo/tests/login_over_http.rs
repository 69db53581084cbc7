//! End-to-end: the demo binary with the memory store, driven with plain HTTP/1.1 requests on
//! a loopback port, checks that signing in gives the session a new id and keeps its data.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SECRET: &str = "login test secret, at least 32 bytes long";
/// Upper bound for one request and its response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn login_replaces_planted_id() {
    let demo = Demo::start("memory");

    // An attacker gets a valid session id of their own (signing out flashes a message, so
    // it stores a session) and plants that cookie in the victim's browser.
    let planted = demo.send("POST", "/logout", None, None);
    assert_eq!(planted.status, 303);
    let planted = planted.next_cookie();

    let victim = demo.send("POST", "/login", Some(&planted), Some("user=ada"));
    assert_eq!(victim.status, 303);
    let signed_in = victim.next_cookie();
    // With a server-side store the cookie value is the signed id, so a new value is a new id.
    assert_ne!(signed_in, planted);

    let attacker = demo.send("GET", "/", Some(&planted), None);
    assert!(
        attacker.set_cookies.is_empty(),
        "{:?}",
        attacker.set_cookies
    );
    assert!(
        attacker.body.contains("id=\"signed-out\""),
        "the planted id is not signed in: {}",
        attacker.body
    );

    let home = demo.send("GET", "/", Some(&signed_in), None);
    assert!(home.body.contains("Hello, ada!"), "{}", home.body);
    assert!(home.body.contains("Welcome, ada!"), "{}", home.body);
    assert!(
        home.body.contains("<span id=\"visits\">1</span>"),
        "{}",
        home.body
    );
    assert_eq!(home.next_cookie(), signed_in, "the id stays between logins");
}

#[test]
fn login_keeps_data_from_before() {
    let demo = Demo::start("memory");

    let first = demo
        .send("POST", "/login", None, Some("user=ada"))
        .next_cookie();
    let home = demo.send("GET", "/", Some(&first), None);
    assert!(
        home.body.contains("<span id=\"visits\">1</span>"),
        "{}",
        home.body
    );
    demo.send("GET", "/", Some(&first), None);

    let login = demo.send("POST", "/login", Some(&first), Some("user=ada"));
    assert_eq!(login.status, 303);
    let second = login.next_cookie();
    assert_ne!(second, first);

    let home = demo.send("GET", "/", Some(&second), None);
    assert!(home.body.contains("Hello, ada!"), "{}", home.body);
    assert!(
        home.body.contains("<span id=\"visits\">3</span>"),
        "the count from before the login goes on: {}",
        home.body
    );

    let old = demo.send("GET", "/session", Some(&first), None);
    assert!(
        old.body.contains("<pre id=\"session-data\">{}</pre>"),
        "the old id has no data left: {}",
        old.body
    );
}

/// The parts of a response that the tests look at.
#[derive(Debug)]
struct Reply {
    status: u16,
    set_cookies: Vec<String>,
    body: String,
}

impl Reply {
    /// Returns the `Cookie` request header for the single session cookie this response set.
    fn next_cookie(&self) -> String {
        assert_eq!(self.set_cookies.len(), 1, "{self:?}");
        let pair = self.set_cookies[0].split(';').next().unwrap_or_default();
        assert!(pair.starts_with("__session="), "{self:?}");
        pair.to_owned()
    }
}

/// The demo binary, listening on a loopback port it chose itself. Dropping it kills the process.
struct Demo {
    child: Child,
    addr: SocketAddr,
}

impl Demo {
    fn start(store: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_websession-demo"))
            .args(["--listen", "127.0.0.1:0", "--store", store])
            .env("SESSION_SECRET", SECRET)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the demo binary");
        let stdout = child.stdout.take().expect("piped stdout");

        // The first line reads "... open http://127.0.0.1:PORT/ in a browser ...".
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the demo's output");
        let addr = line
            .split_whitespace()
            .find_map(|word| word.strip_prefix("http://"))
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no http://ADDR/ in the demo's first line: {line:?}"));
        Self { child, addr }
    }

    /// Sends one request on a new connection and reads the whole response.
    fn send(&self, method: &str, path: &str, cookie: Option<&str>, form: Option<&str>) -> Reply {
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(cookie) = cookie {
            request.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        let body = form.unwrap_or_default();
        if form.is_some() {
            request.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));

        let mut stream = TcpStream::connect(self.addr).expect("connect to the demo");
        stream
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .expect("set a read timeout");
        stream
            .write_all(request.as_bytes())
            .expect("send the request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("read the response");
        parse_response(&response)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_response(response: &str) -> Reply {
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {response:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    let set_cookies = lines
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    Reply {
        status,
        set_cookies,
        body: body.to_owned(),
    }
}
