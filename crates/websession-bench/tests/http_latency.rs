//! Runs `bench-http-latency` against a `bench-http-server` started on a free loopback port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// A `bench-http-server` process, killed on drop.
struct Server {
    child: Child,
    port: String,
    cookie: String,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bench-http-server"))
            .arg("0")
            .stdout(Stdio::piped())
            .spawn()
            .expect("bench-http-server starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut next_line = || lines.next().expect("a line").expect("UTF-8 output");
        let cookie = next_line()
            .strip_prefix("cookie: ")
            .expect("the first line is the cookie")
            .to_owned();
        let port = next_line()
            .rsplit_once(':')
            .expect("the second line ends with the address")
            .1
            .to_owned();
        Self {
            child,
            port,
            cookie,
        }
    }

    fn measure(&self, seconds: &str, routes: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bench-http-latency"))
            .args([&self.port, &self.cookie, seconds])
            .args(routes)
            .output()
            .expect("bench-http-latency runs")
    }

    /// Sends one `GET` with the benchmark's cookie on a new connection and returns the
    /// response's head and body.
    fn get(&self, route: &str) -> (String, String) {
        let port: u16 = self.port.parse().expect("a port number");
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("a connection");
        let request = format!(
            "GET /{route} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}\r\nConnection: close\r\n\r\n",
            self.cookie
        );
        stream
            .write_all(request.as_bytes())
            .expect("the request is sent");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("a UTF-8 response");
        let (head, body) = response
            .split_once("\r\n\r\n")
            .expect("a blank line after the head");
        (head.to_owned(), body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn reports_each_route_once() {
    let server = Server::start();
    let output = server.measure("0", &["plain", "write", "floor-read"]);
    assert!(output.status.success(), "{output:?}");

    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let lines: Vec<(&str, Value)> = stdout
        .lines()
        .map(|line| {
            let (route, json) = line.split_once('\t').expect("ROUTE<TAB>JSON");
            (route, serde_json::from_str(json).expect("valid JSON"))
        })
        .collect();
    let routes: Vec<&str> = lines.iter().map(|(route, _)| *route).collect();
    assert_eq!(routes, ["plain", "write", "floor-read"]);

    // Each round sends one request per route, so every route has the same count.
    let requests = lines[0].1["requests"].as_u64().expect("a count");
    assert!(requests >= 1);
    for (route, report) in &lines {
        assert_eq!(report["requests"].as_u64(), Some(requests), "{route}");
        assert_eq!(report["errors"].as_u64(), Some(0), "{route}");
        let p50 = report["latency_p50_us"].as_f64().expect("p50");
        let p99 = report["latency_p99_us"].as_f64().expect("p99");
        assert!(p50 > 0.0, "{route}: p50 {p50}");
        assert!(p99 >= p50, "{route}: p99 {p99} below p50 {p50}");
    }
}

/// Returns the value of the `Set-Cookie` header in `head`, if any.
fn set_cookie(head: &str) -> Option<&str> {
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("set-cookie")
            .then(|| value.trim())
    })
}

#[test]
fn session_routes_return_user_id() {
    let server = Server::start();
    let (_, user_id) = server.get("plain");
    assert!(!user_id.is_empty());

    for route in ["read", "floor-read", "write", "floor-write"] {
        let (head, body) = server.get(route);
        assert!(head.starts_with("HTTP/1.1 200 "), "{route}: {head}");
        assert_eq!(body, user_id, "{route}");

        let sets_cookie = route.ends_with("write");
        assert_eq!(set_cookie(&head).is_some(), sets_cookie, "{route}: {head}");
    }
}

#[test]
fn fails_on_missing_route() {
    let server = Server::start();
    let output = server.measure("0", &["plain", "no-such-route"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("expected a 200 response, got \"HTTP/1.1 404 Not Found\""),
        "{stderr}"
    );
}

#[test]
fn rejects_invalid_arguments() {
    let cases: [&[&str]; 4] = [
        &["8080", "a=1", "1"],
        &["8080", "a=1", "1e18", "plain"],
        &["8080", "a=1", "-1", "plain"],
        &["no-port", "a=1", "1", "plain"],
    ];
    for arguments in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_bench-http-latency"))
            .args(arguments)
            .output()
            .expect("bench-http-latency runs");
        assert_eq!(output.status.code(), Some(2), "{arguments:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("usage: bench-http-latency"), "{stderr}");
    }
}

/// Serves one connection on a free loopback port and returns the port. The server sends
/// `response` to each request and, when `close_after` is true, shuts down its writing side
/// after the first response.
fn serve_once(response: &'static [u8], close_after: bool) -> String {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    let port = listener.local_addr().expect("a local address").port();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a connection");
        let mut writer = stream.try_clone().expect("a second handle");
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line != "\r\n" {
                continue;
            }
            if writer.write_all(response).is_err() {
                return;
            }
            if close_after {
                // The server keeps reading until the client disconnects, so that the client
                // reads the end of the stream and not a reset.
                let _ = writer.shutdown(Shutdown::Write);
            }
        }
    });
    port.to_string()
}

/// Runs the client against a server that responds with `response`, checks that it fails with
/// status 1, and returns its standard error.
fn failure_message(response: &'static [u8], close_after: bool) -> String {
    let port = serve_once(response, close_after);
    let output = Command::new(env!("CARGO_BIN_EXE_bench-http-latency"))
        .args([port.as_str(), "a=1", "0", "plain"])
        .output()
        .expect("bench-http-latency runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn fails_when_server_closes() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    let stderr = failure_message(response, true);
    assert!(
        stderr.contains("the server closed the connection"),
        "{stderr}"
    );
}

#[test]
fn fails_when_body_is_cut_short() {
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok";
    let stderr = failure_message(response, true);
    assert!(
        stderr.contains("the server closed the connection"),
        "{stderr}"
    );
}

#[test]
fn fails_on_chunked_response() {
    let response = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n";
    let stderr = failure_message(response, false);
    assert!(
        stderr.contains("the response has no valid Content-Length"),
        "{stderr}"
    );
}
